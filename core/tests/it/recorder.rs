//! Integration tests of the `recorder` stage.
