module {{crate_name}}

go 1.24
