//! Session aggregates kept in O(1) per event, and the derived status.
