//! Integration tests of the `session` stage.
