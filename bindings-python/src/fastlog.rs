//! The keyword fast path of `Client.log` on CPython 3.10 and later, where `METH_FASTCALL` belongs
//! to the stable ABI: no kwargs dict is built and keyword names are matched by identity.
//!
//! The method PyO3 generates for the 3.9 stable ABI receives a fresh dict per call and encodes
//! every key to UTF-8 to compare it; a bot calls `log` with the same literal keywords each time,
//! which CPython interns, so comparing pointers against interned names finds them directly. The
//! arguments are then converted exactly as PyO3 would and handed to `Client::log`.
//!
//! A plain LLM call (strings, a dict of token counts, a latency) goes further: its arguments are
//! copied into the core's compact `QuickCall` and the writer thread builds and prices the event.

use crate::errors::invalid;
use crate::pricing::Cost;
use crate::recorder::{Client, Session, recent_text};
use crate::usage::{bucket_names, count};
use hailog::event::Outcome;
use hailog::recorder::QuickCall;
use pyo3::exceptions::PyTypeError;
use pyo3::ffi;
use pyo3::panic::PanicException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyString, PyType};
use std::borrow::Cow;
use std::ffi::{CStr, c_int};
use std::str::FromStr;
use std::sync::Arc;

/// `Client.log`'s keywords, in the order of its signature.
const NAMES: [&str; 17] = [
    "session_id",
    "kind",
    "provider",
    "model",
    "usage",
    "response",
    "latency_ms",
    "outcome",
    "trace_id",
    "agent",
    "tool",
    "text",
    "error",
    "event_id",
    "timestamp",
    "metadata",
    "cost",
];

// Flag values of the stable ABI from 3.10 on (pyo3-ffi hides them under a 3.9 floor).
const METH_FASTCALL: c_int = 0x0080;
const METH_KEYWORDS: c_int = 0x0002;

/// The docstring CPython reads the signature from (`inspect.signature`, stubtest), identical to
/// the one PyO3 generates for the method this replaces.
const DOC: &CStr = c"log($self, *, session_id, kind=\"llm_call\", provider=None, model=None, usage=None, response=None, latency_ms=None, outcome=\"ok\", trace_id=None, agent=None, tool=None, text=None, error=None, event_id=None, timestamp=None, metadata=None, cost=None)\n--\n\nLogs one event and returns its id. Typed keyword arguments go straight into the core.";

static INTERNED: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();

type FastcallKeywords = unsafe extern "C" fn(
    *mut ffi::PyObject,
    *const *mut ffi::PyObject,
    ffi::Py_ssize_t,
    *mut ffi::PyObject,
) -> *mut ffi::PyObject;

/// The docstring of `Session.log`, with the signature PyO3 gives the method it replaces.
const SESSION_DOC: &CStr = c"log($self, **fields)\n--\n\n`Client.log` with this session's id (and its agent unless given).";

/// Replaces `Client.log` and `Session.log` with the fast path when the running interpreter
/// guarantees `METH_FASTCALL`; on 3.9 the PyO3 methods stay.
pub fn install(client: &Bound<'_, PyType>, session: &Bound<'_, PyType>) -> PyResult<()> {
    if client.py().version_info() < (3, 10) {
        return Ok(());
    }
    install_method(client, log_fastcall, DOC)?;
    install_method(session, session_log_fastcall, SESSION_DOC)
}

fn install_method(
    ty: &Bound<'_, PyType>,
    entry: FastcallKeywords,
    doc: &'static CStr,
) -> PyResult<()> {
    let py = ty.py();
    // The method table must outlive the type; the module is initialised once per process.
    let def = Box::leak(Box::new(ffi::PyMethodDef {
        ml_name: c"log".as_ptr(),
        ml_meth: ffi::PyMethodDefPointer {
            // SAFETY: CPython calls `ml_meth` with the fastcall signature because of the flags.
            PyCFunction: unsafe {
                std::mem::transmute::<FastcallKeywords, ffi::PyCFunction>(entry)
            },
        },
        ml_flags: METH_FASTCALL | METH_KEYWORDS,
        ml_doc: doc.as_ptr(),
    }));
    // SAFETY: `def` lives for the rest of the process and the type pointer is valid.
    let descr =
        unsafe { Bound::from_owned_ptr_or_err(py, ffi::PyDescr_NewMethod(ty.as_type_ptr(), def)) }?;
    ty.setattr("log", descr)
}

unsafe extern "C" fn log_fastcall(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: CPython calls a method with the GIL held and the fastcall arguments it describes.
    unsafe {
        fastcall(slf, args, nargs, kwnames, "Client", |py, slf, slots| {
            log_slots(py, slf.cast::<Client>()?.get(), slots)
        })
    }
}

/// `Session.log`: the session's id, and its agent unless given, join the caller's keywords.
unsafe extern "C" fn session_log_fastcall(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
) -> *mut ffi::PyObject {
    // SAFETY: as above.
    unsafe {
        fastcall(slf, args, nargs, kwnames, "Session", |py, slf, slots| {
            let session = slf.cast::<Session>()?.get();
            if slots[0].is_some() {
                return Err(invalid(
                    "session_id",
                    "is fixed by the session; log through the client for another one",
                ));
            }
            slots[0] = Some(session.session_obj().bind(py).clone().into_any());
            if slots[9].is_none() {
                slots[9] = session.agent_obj().map(|a| a.bind(py).clone().into_any());
            }
            log_slots(py, session.client().get(), slots)
        })
    }
}

type Slots<'py> = [Option<Bound<'py, PyAny>>; 17];

/// Collects the keywords of a method call into slots and runs `call` on them, with Rust panics
/// and errors turned into Python exceptions.
///
/// # Safety
/// Only from a method CPython is calling with the fastcall convention (it holds the GIL).
#[inline(always)]
unsafe fn fastcall(
    slf: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    owner: &str,
    call: impl for<'py> FnOnce(
        Python<'py>,
        &Bound<'py, PyAny>,
        &mut Slots<'py>,
    ) -> PyResult<*mut ffi::PyObject>,
) -> *mut ffi::PyObject {
    // SAFETY: CPython holds the GIL (or the thread state) when it calls a method.
    let py = unsafe { Python::assume_attached() };
    let call = std::panic::AssertUnwindSafe(|| {
        // SAFETY: the method descriptor checked the type of `slf`; pointers are borrowed.
        let slf = unsafe { Bound::from_borrowed_ptr(py, slf) };
        let mut slots: Slots<'_> = [const { None }; 17];
        unsafe { keywords(py, owner, args, nargs, kwnames, &mut slots) }?;
        call(py, &slf, &mut slots)
    });
    let result = std::panic::catch_unwind(call).unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic in Client.log".into());
        Err(PanicException::new_err(message))
    });
    match result {
        Ok(id) => id,
        Err(e) => {
            e.restore(py);
            std::ptr::null_mut()
        }
    }
}

/// Which keyword `key` names: by identity first, then by text for names built at run time.
fn slot_of(py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<usize> {
    let interned = INTERNED.get_or_init(py, || {
        NAMES
            .iter()
            .map(|n| PyString::intern(py, n).unbind())
            .collect()
    });
    if let Some(i) = interned.iter().position(|n| n.as_ptr() == key.as_ptr()) {
        return Ok(i);
    }
    let text = key
        .cast::<PyString>()
        .map_err(|_| PyTypeError::new_err("Client.log() keywords must be strings"))?
        .to_cow()?;
    NAMES.iter().position(|n| *n == text).ok_or_else(|| {
        PyTypeError::new_err(format!(
            "Client.log() got an unexpected keyword argument '{text}'"
        ))
    })
}

/// A conversion error as PyO3 reports it: type errors name the argument.
fn arg_error(py: Python<'_>, name: &str, err: PyErr) -> PyErr {
    if err.is_instance_of::<PyTypeError>(py) {
        let e = PyTypeError::new_err(format!("argument '{name}': {}", err.value(py)));
        e.set_cause(py, Some(err));
        e
    } else {
        err
    }
}

/// The keyword arguments of a fastcall, by their slot in [`NAMES`].
unsafe fn keywords<'py>(
    py: Python<'py>,
    owner: &str,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
    kwnames: *mut ffi::PyObject,
    slots: &mut Slots<'py>,
) -> PyResult<()> {
    if nargs != 0 {
        return Err(PyTypeError::new_err(format!(
            "{owner}.log() takes no positional arguments but {nargs} were given"
        )));
    }
    if !kwnames.is_null() {
        // SAFETY: with fastcall, `kwnames` is a tuple and its values follow the positionals.
        let count = unsafe { ffi::PyTuple_Size(kwnames) };
        for i in 0..count.max(0) {
            let key =
                unsafe { Bound::from_borrowed_ptr_or_err(py, ffi::PyTuple_GetItem(kwnames, i)) }?;
            let value = unsafe { Bound::from_borrowed_ptr(py, *args.add(i as usize)) };
            let slot = slot_of(py, &key)?;
            if slots[slot].replace(value).is_some() {
                return Err(PyTypeError::new_err(format!(
                    "{owner}.log() got multiple values for argument '{}'",
                    NAMES[slot]
                )));
            }
        }
    }
    Ok(())
}

fn log_slots(py: Python<'_>, client: &Client, slots: &Slots<'_>) -> PyResult<*mut ffi::PyObject> {
    if let Some(id) = quick(py, client, slots)? {
        return Ok(id);
    }
    // `None` means "not given" for every optional argument, as in PyO3's `Option<T>`.
    let given = |i: usize| slots[i].as_ref().filter(|v| !v.is_none());
    let err = |i: usize| move |e: PyErr| arg_error(py, NAMES[i], e);
    let string = |i: usize| -> PyResult<Option<&Bound<'_, PyString>>> {
        given(i)
            .map(|v| v.cast::<PyString>().map_err(|e| err(i)(e.into())))
            .transpose()
    };
    let text_or = |i: usize, default: &'static str| -> PyResult<Cow<'_, str>> {
        match &slots[i] {
            None => Ok(Cow::Borrowed(default)),
            Some(v) => v
                .cast::<PyString>()
                .map_err(|e| err(i)(e.into()))?
                .to_cow()
                .map_err(err(i)),
        }
    };
    let owned = |i: usize| -> PyResult<Option<String>> {
        given(i).map(|v| v.extract().map_err(err(i))).transpose()
    };

    let session_id = match &slots[0] {
        Some(v) => v.cast::<PyString>().map_err(|e| err(0)(e.into()))?,
        None => {
            return Err(PyTypeError::new_err(
                "Client.log() missing 1 required keyword argument: 'session_id'",
            ));
        }
    };
    let kind = text_or(1, "llm_call")?;
    let outcome = text_or(7, "ok")?;
    let latency_ms = given(6)
        .map(|v| v.extract::<u64>().map_err(err(6)))
        .transpose()?;
    let metadata = given(15)
        .map(|v| v.cast::<PyDict>().map_err(|e| err(15)(e.into())))
        .transpose()?;
    let cost = given(16)
        .map(|v| v.cast::<Cost>().map_err(|e| err(16)(e.into())))
        .transpose()?;
    let id = client.log(
        py,
        session_id,
        &kind,
        string(2)?,
        string(3)?,
        given(4),
        given(5),
        latency_ms,
        &outcome,
        string(8)?,
        string(9)?,
        owned(10)?,
        owned(11)?,
        owned(12)?,
        owned(13)?,
        given(14),
        metadata,
        cost.map(|c| c.get()),
    )?;
    Ok(PyString::new(py, &id).into_ptr())
}

/// Arguments only the general path handles: response, tool, text, error, event_id, timestamp,
/// metadata, cost.
const GENERAL_ONLY: [usize; 8] = [5, 10, 11, 12, 13, 14, 15, 16];

/// The compact-record path for a plain LLM call; `None` when the call needs the general path,
/// which also words every argument error (so anything unexpected is left to it).
fn quick(
    py: Python<'_>,
    client: &Client,
    slots: &Slots<'_>,
) -> PyResult<Option<*mut ffi::PyObject>> {
    let given = |i: usize| slots[i].as_ref().filter(|v| !v.is_none());
    if GENERAL_ONLY.iter().any(|&i| given(i).is_some()) {
        return Ok(None);
    }
    let text = |i: usize| given(i).map(|v| v.cast::<PyString>().ok());
    if let Some(kind) = &slots[1] {
        let llm_call = kind
            .cast::<PyString>()
            .ok()
            .and_then(|k| k.to_cow().ok())
            .is_some_and(|k| k == hailog::event::kinds::LLM_CALL);
        if !llm_call {
            return Ok(None);
        }
    }
    let outcome = match &slots[7] {
        None => Outcome::Ok,
        Some(v) => match v
            .cast::<PyString>()
            .ok()
            .and_then(|o| Outcome::from_str(&o.to_cow().ok()?).ok())
        {
            Some(o) => o,
            None => return Ok(None),
        },
    };
    let Some(Ok(session_id)) = slots[0].as_ref().map(|v| v.cast::<PyString>()) else {
        return Ok(None);
    };
    let mut strings: [Option<Arc<str>>; 4] = [const { None }; 4];
    for (slot, i) in strings.iter_mut().zip([2, 3, 8, 9]) {
        match text(i) {
            None => {}
            Some(Some(s)) => *slot = Some(recent_text(s)?),
            Some(None) => return Ok(None),
        }
    }
    let latency_ms = match given(6).map(|v| v.extract::<u64>()) {
        None => None,
        Some(Ok(ms)) => Some(ms),
        Some(Err(_)) => return Ok(None),
    };
    let usage = match given(4) {
        None => None,
        Some(v) => match counts(py, v)? {
            Some(c) => Some(c),
            None => return Ok(None),
        },
    };
    let [provider, model, trace_id, agent] = strings;
    let call = QuickCall {
        provider,
        model,
        trace_id,
        agent,
        usage,
        latency_ms,
        outcome,
        ..QuickCall::new(recent_text(session_id)?)
    };
    let id = call.event_id_text();
    client.log_quick(call)?;
    // SAFETY: the bytes are ASCII, valid UTF-8, and outlive the call.
    let text = unsafe {
        ffi::PyUnicode_FromStringAndSize(id.as_ptr().cast(), id.len() as ffi::Py_ssize_t)
    };
    if text.is_null() {
        return Err(PyErr::fetch(py));
    }
    Ok(Some(text))
}

/// A count that is a plain `int` in `u64` range, read without the checks that word errors
/// (`bool`, a subclass of `int`, is not a plain `int`).
fn small_count(v: &Bound<'_, PyAny>) -> Option<u64> {
    // SAFETY: `v` is a live object; the exact type check makes it an int for the conversion.
    unsafe {
        if ffi::PyLong_CheckExact(v.as_ptr()) == 0 {
            return None;
        }
        let n = ffi::PyLong_AsUnsignedLongLong(v.as_ptr());
        if n == u64::MAX && !ffi::PyErr_Occurred().is_null() {
            // Negative or too large: leave the wording of the error to `count`.
            ffi::PyErr_Clear();
            return None;
        }
        Some(n)
    }
}

/// The token counts of a plain dict keyed by bucket names (in the order of
/// `Usage::COUNT_FIELDS`); `None` for anything else (a `Usage`, other keys), which the general
/// path converts. A bad count raises here with the general path's error.
fn counts(py: Python<'_>, value: &Bound<'_, PyAny>) -> PyResult<Option<[Option<u64>; 10]>> {
    let Ok(dict) = value.cast_exact::<PyDict>() else {
        return Ok(None);
    };
    let names = bucket_names(py);
    let mut out = [None; 10];
    for (key, v) in dict.iter() {
        let Some(i) = names.iter().position(|n| key.is(n)) else {
            return Ok(None);
        };
        out[i] = match small_count(&v) {
            Some(n) => Some(n),
            None => count(hailog::Usage::COUNT_FIELDS[i], &v)?,
        };
    }
    Ok(Some(out))
}
