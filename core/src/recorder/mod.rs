//! The recorder: `log(session_id, event)` validates, prices, aggregates and hands events to the
//! background writer.
