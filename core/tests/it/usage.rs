//! Integration tests of the `usage` stage.
