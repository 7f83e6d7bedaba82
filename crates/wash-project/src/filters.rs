//! The case-conversion liquid filters cargo-generate templates use (`{{project-name | snake_case}}`).

use heck::{
    ToKebabCase, ToLowerCamelCase, ToShoutyKebabCase, ToShoutySnakeCase, ToSnakeCase, ToTitleCase,
    ToUpperCamelCase,
};
use liquid_core::{
    Display_filter, Filter, FilterReflection, ParseFilter, Runtime, Value, ValueView,
};

/// Declares one filter that maps its input's text through a case conversion.
macro_rules! case_filter {
    ($parser:ident, $filter:ident, $name:tt, $convert:expr) => {
        #[derive(Clone, ParseFilter, FilterReflection)]
        #[filter(name = $name, description = "Converts text to another case.", parsed($filter))]
        pub(crate) struct $parser;

        #[derive(Debug, Default, Display_filter)]
        #[name = $name]
        struct $filter;

        impl Filter for $filter {
            fn evaluate(
                &self,
                input: &dyn ValueView,
                _runtime: &dyn Runtime,
            ) -> liquid_core::Result<Value> {
                let convert: fn(&str) -> String = $convert;
                Ok(Value::scalar(convert(input.to_kstr().as_str())))
            }
        }
    };
}

case_filter!(KebabCase, KebabCaseFilter, "kebab_case", |s| s
    .to_kebab_case());
case_filter!(
    LowerCamelCase,
    LowerCamelCaseFilter,
    "lower_camel_case",
    |s| s.to_lower_camel_case()
);
case_filter!(PascalCase, PascalCaseFilter, "pascal_case", |s| s
    .to_upper_camel_case());
case_filter!(
    ShoutyKebabCase,
    ShoutyKebabCaseFilter,
    "shouty_kebab_case",
    |s| s.to_shouty_kebab_case()
);
case_filter!(
    ShoutySnakeCase,
    ShoutySnakeCaseFilter,
    "shouty_snake_case",
    |s| s.to_shouty_snake_case()
);
case_filter!(SnakeCase, SnakeCaseFilter, "snake_case", |s| s
    .to_snake_case());
case_filter!(TitleCase, TitleCaseFilter, "title_case", |s| s
    .to_title_case());
case_filter!(
    UpperCamelCase,
    UpperCamelCaseFilter,
    "upper_camel_case",
    |s| s.to_upper_camel_case()
);

/// A liquid parser with the standard library and every case filter.
pub(crate) fn parser() -> Result<liquid::Parser, liquid::Error> {
    liquid::ParserBuilder::with_stdlib()
        .filter(KebabCase)
        .filter(LowerCamelCase)
        .filter(PascalCase)
        .filter(ShoutyKebabCase)
        .filter(ShoutySnakeCase)
        .filter(SnakeCase)
        .filter(TitleCase)
        .filter(UpperCamelCase)
        .build()
}

#[cfg(test)]
mod tests {
    /// Each case filter converts a kebab-case project name as cargo-generate's does.
    #[test]
    fn case_filters_convert() {
        let parser = super::parser().expect("parser");
        let template = parser
            .parse(
                "{{n | snake_case}} {{n | pascal_case}} {{n | upper_camel_case}} {{n | kebab_case}} \
                 {{n | lower_camel_case}} {{n | shouty_snake_case}} {{n | shouty_kebab_case}} {{n | title_case}}",
            )
            .expect("parse");
        let globals = liquid::object!({ "n": "my-cool_app" });
        assert_eq!(
            template.render(&globals).expect("render"),
            "my_cool_app MyCoolApp MyCoolApp my-cool-app myCoolApp MY_COOL_APP MY-COOL-APP My Cool App"
        );
    }
}
