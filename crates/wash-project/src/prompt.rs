//! The questions `wash new` may ask at a terminal; the library asks through this trait, the CLI answers.

use crate::ProjectError;

/// Asks the user for values. The `wash` binary implements it with terminal prompts; without a
/// terminal (or under `--silent`) no prompter is passed and missing values are errors.
pub trait Prompter {
    /// Asks for a line of text; an empty answer takes `default` when there is one.
    fn input(&mut self, prompt: &str, default: Option<&str>) -> Result<String, ProjectError>;
    /// Asks a yes/no question.
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool, ProjectError>;
    /// Asks to pick one of `items`; returns its index.
    fn select(
        &mut self,
        prompt: &str,
        items: &[String],
        default: usize,
    ) -> Result<usize, ProjectError>;
}
