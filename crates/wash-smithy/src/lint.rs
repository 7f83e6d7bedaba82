//! `wash lint`: the style checks wash 0.x ran on a model (the "naming conventions" and "unwelcome
//! terms" linters of its Smithy library). Issues are advice: they never make a model invalid.

use heck::{ToLowerCamelCase, ToSnakeCase, ToUpperCamelCase};

use crate::model::{AppliedTrait, Model, Shape, ShapeId, ShapeKind};
use crate::source::{SourceMap, Span};

/// Which check found an issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LintRule {
    /// Shape names in UpperCamelCase; member names, trait shapes and applied traits in lowerCamelCase.
    NamingConventions,
    /// No word of a name is one of [`UNWELCOME_TERMS`].
    UnwelcomeTerms,
}

impl LintRule {
    /// The rule's name as wash 0.x printed it.
    pub fn name(self) -> &'static str {
        match self {
            Self::NamingConventions => "NamingConventions",
            Self::UnwelcomeTerms => "UnwelcomeTerms",
        }
    }

    /// How serious the rule's issues are: naming is `info`, unwelcome terms are `warning`.
    pub fn level(self) -> &'static str {
        match self {
            Self::NamingConventions => "info",
            Self::UnwelcomeTerms => "warning",
        }
    }
}

/// Words wash 0.x's linter called insensitive, divisive or otherwise unwelcome in names.
pub const UNWELCOME_TERMS: [&str; 5] = ["blacklist", "kill", "master", "slave", "whitelist"];

/// One style issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintIssue {
    /// The check that found it.
    pub rule: LintRule,
    /// What is wrong, with the suggested spelling where there is one.
    pub message: String,
    /// The shape (or `shape$member`) it is about.
    pub subject: String,
    /// Where, when the name is declared in one of the files read.
    pub span: Option<Span>,
}

impl LintIssue {
    /// `file:line:col: info[NamingConventions]: message (subject)`; the location is left out for a
    /// name declared nowhere in the files (a prelude shape).
    pub fn one_line(&self, sources: &SourceMap) -> String {
        let location = self
            .span
            .map(|span| format!("{}: ", sources.location(span)))
            .unwrap_or_default();
        format!(
            "{location}{}[{}]: {} (`{}`)",
            self.rule.level(),
            self.rule.name(),
            self.message,
            self.subject
        )
    }
}

/// Runs both checks on the shapes declared in the files read (the prelude is not linted), ordered by
/// file and position (issues without a location last).
pub fn lint(model: &Model) -> Vec<LintIssue> {
    let mut linter = Linter {
        issues: Vec::new(),
        seen_terms: std::collections::HashSet::new(),
    };
    let trait_marker = ShapeId::prelude("trait");
    for shape in model.shapes.values().filter(|s| s.span.is_some()) {
        linter.naming(shape, &trait_marker);
        linter.terms(shape);
    }
    let mut issues = linter.issues;
    issues.sort_by_key(|i| (i.span.is_none(), i.span.map(|s| (s.file, s.start))));
    issues
}

struct Linter {
    issues: Vec<LintIssue>,
    /// Names already checked for unwelcome terms (wash 0.x reported each name once).
    seen_terms: std::collections::HashSet<String>,
}

impl Linter {
    fn naming(&mut self, shape: &Shape, trait_marker: &ShapeId) {
        let subject = shape_text(&shape.id);
        if shape.traits.iter().any(|t| &t.id == trait_marker) {
            self.lower_camel("Trait names", &shape.id.name, &subject, shape.span);
        } else {
            self.upper_camel(&shape.id, shape.span);
        }
        self.applied_traits(&shape.traits);
        if let ShapeKind::Structure(members) | ShapeKind::Union(members) = &shape.kind {
            for member in members {
                let subject = format!("{subject}${}", member.name);
                self.lower_camel("Member names", &member.name, &subject, member.span);
                self.upper_camel(&member.target, member.target_span);
                self.applied_traits(&member.traits);
            }
        }
    }

    fn applied_traits(&mut self, traits: &[AppliedTrait]) {
        for applied in traits {
            let subject = shape_text(&applied.id);
            self.lower_camel("Trait names", &applied.id.name, &subject, applied.span);
        }
    }

    fn upper_camel(&mut self, id: &ShapeId, span: Option<Span>) {
        let expected = id.name.to_upper_camel_case();
        if expected != id.name {
            self.issues.push(LintIssue {
                rule: LintRule::NamingConventions,
                message: format!("Shape names should conform to UpperCamelCase, i.e. {expected}"),
                subject: shape_text(id),
                span,
            });
        }
    }

    fn lower_camel(&mut self, what: &str, name: &str, subject: &str, span: Option<Span>) {
        let expected = name.to_lower_camel_case();
        if expected != name {
            self.issues.push(LintIssue {
                rule: LintRule::NamingConventions,
                message: format!("{what} should conform to lowerCamelCase, i.e. {expected}"),
                subject: subject.to_owned(),
                span,
            });
        }
    }

    fn terms(&mut self, shape: &Shape) {
        self.terms_of_id(&shape.id, shape.span);
        for applied in &shape.traits {
            self.terms_of_id(&applied.id, applied.span.or(shape.span));
        }
        if let ShapeKind::Structure(members) | ShapeKind::Union(members) = &shape.kind {
            for member in members {
                let subject = format!("{}${}", shape_text(&shape.id), member.name);
                self.term_words(&member.name, &subject, member.span);
                self.terms_of_id(&member.target, member.target_span);
                for applied in &member.traits {
                    self.terms_of_id(&applied.id, applied.span.or(member.span));
                }
            }
        }
    }

    fn terms_of_id(&mut self, id: &ShapeId, span: Option<Span>) {
        let subject = shape_text(id);
        for part in id.namespace.split('.') {
            self.term_words(part, &subject, span);
        }
        self.term_words(&id.name, &subject, span);
    }

    fn term_words(&mut self, name: &str, subject: &str, span: Option<Span>) {
        if !self.seen_terms.insert(name.to_owned()) {
            return;
        }
        for word in name.to_snake_case().split('_') {
            if UNWELCOME_TERMS.contains(&word) {
                self.issues.push(LintIssue {
                    rule: LintRule::UnwelcomeTerms,
                    message: format!(
                        "The term '{word}' is considered either insensitive, divisive, or otherwise unwelcome"
                    ),
                    subject: subject.to_owned(),
                    span,
                });
            }
        }
    }
}

fn shape_text(id: &ShapeId) -> String {
    format!("{}#{}", id.namespace, id.name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint_text(text: &str) -> Vec<(LintRule, String, String)> {
        let mut sources = SourceMap::new();
        sources.add("t.smithy".to_owned(), text.to_owned());
        let model = crate::load(sources).into_model().expect("a valid model");
        lint(&model)
            .into_iter()
            .map(|i| (i.rule, i.message, i.subject))
            .collect()
    }

    /// The example of wash 0.x's linter documentation: a lower-case shape name, an upper-case
    /// member, an acronym in a shape name and an unwelcome term are each reported.
    #[test]
    fn reports_naming_and_terms() {
        let issues = lint_text(
            "namespace smithy.example\n\
             string shouldBeUpper\n\
             string ThingAsJSON\n\
             list TheBlacklist { member: String }\n\
             structure MyStructure {\n  okName: String,\n  BadName: shouldBeUpper,\n  thing: ThingAsJSON,\n  checkAgainst: TheBlacklist\n}\n",
        );
        let has = |rule: LintRule, message: &str, subject: &str| {
            issues
                .iter()
                .any(|(r, m, s)| *r == rule && m.contains(message) && s == subject)
        };
        assert!(
            has(
                LintRule::NamingConventions,
                "UpperCamelCase, i.e. ShouldBeUpper",
                "smithy.example#shouldBeUpper"
            ),
            "{issues:?}"
        );
        assert!(has(
            LintRule::NamingConventions,
            "i.e. ThingAsJson",
            "smithy.example#ThingAsJSON"
        ));
        assert!(has(
            LintRule::NamingConventions,
            "Member names should conform to lowerCamelCase, i.e. badName",
            "smithy.example#MyStructure$BadName"
        ));
        assert!(has(
            LintRule::UnwelcomeTerms,
            "'blacklist'",
            "smithy.example#TheBlacklist"
        ));
        assert!(
            !issues.iter().any(|(_, _, s)| s.contains("okName")),
            "{issues:?}"
        );
    }

    /// A model in wasmCloud's style has no issue.
    #[test]
    fn clean_model_has_no_issues() {
        let issues = lint_text(
            "namespace org.example.greeter\n\
             @trait\nstructure myTrait {}\n\
             @myTrait\nstructure GreetRequest {\n  name: String,\n  count: Integer\n}\n",
        );
        assert_eq!(issues, Vec::new());
    }
}
