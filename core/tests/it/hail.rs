//! Integration tests of the `hail` stage.
