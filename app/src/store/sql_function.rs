//! SQL functions of our own on SQLite, registered on every connection as it opens:
//! triggers of the schema call them, so no connection may write without them. sqlx
//! does not wrap SQLite's function API; this module is the one place that calls C.
#![allow(unsafe_code)]

use std::{
    ffi::{c_int, c_void, CStr},
    panic::{self, AssertUnwindSafe},
    ptr::NonNull,
    slice,
};

use libsqlite3_sys as ffi;

/// A function of its arguments' texts (NULLs left out) to a text.
pub type TextFunction = fn(&[&[u8]]) -> String;

/// Makes `function` callable as `name(…)`, with any number of arguments, on the open
/// connection `db`.
pub fn register(
    db: NonNull<ffi::sqlite3>,
    name: &CStr,
    function: TextFunction,
) -> Result<(), sqlx::Error> {
    let app = Box::into_raw(Box::new(function)).cast::<c_void>();
    let flags = ffi::SQLITE_UTF8 | ffi::SQLITE_DETERMINISTIC | ffi::SQLITE_INNOCUOUS;
    // SAFETY: `db` is an open connection, locked by the caller for the call. SQLite
    // owns `app` from here and frees it through `destroy`, even if registering fails.
    let code = unsafe {
        ffi::sqlite3_create_function_v2(
            db.as_ptr(),
            name.as_ptr(),
            -1,
            flags,
            app,
            Some(call),
            None,
            None,
            Some(destroy),
        )
    };
    if code == ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(sqlx::Error::Protocol(format!(
            "registering the SQL function {name:?}: SQLite error {code}"
        )))
    }
}

/// SQLite's call of a registered function.
unsafe extern "C" fn call(
    context: *mut ffi::sqlite3_context,
    count: c_int,
    values: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: SQLite hands the `app` pointer given to `register`, `count` values at
    // `values`, and texts that stay valid until the function returns.
    unsafe {
        let function = *ffi::sqlite3_user_data(context).cast::<TextFunction>();
        let values = match usize::try_from(count) {
            Ok(count) if count > 0 && !values.is_null() => slice::from_raw_parts(values, count),
            _ => &[],
        };
        let texts: Vec<&[u8]> = values
            .iter()
            .filter_map(|&value| {
                // The text first: asking for it may convert the value, then its length.
                let text = ffi::sqlite3_value_text(value);
                let length = usize::try_from(ffi::sqlite3_value_bytes(value)).unwrap_or(0);
                (!text.is_null()).then(|| slice::from_raw_parts(text, length))
            })
            .collect();
        // A panic must not unwind into C: it becomes the statement's error.
        match panic::catch_unwind(AssertUnwindSafe(|| function(&texts))) {
            Ok(result) => ffi::sqlite3_result_text64(
                context,
                result.as_ptr().cast(),
                result.len() as u64,
                ffi::SQLITE_TRANSIENT(),
                ffi::SQLITE_UTF8 as u8,
            ),
            Err(_) => ffi::sqlite3_result_error(context, c"the SQL function panicked".as_ptr(), -1),
        }
    }
}

/// Frees what `register` gave SQLite, when the connection closes.
unsafe extern "C" fn destroy(app: *mut c_void) {
    // SAFETY: `app` is the box `register` made, handed back once.
    drop(unsafe { Box::from_raw(app.cast::<TextFunction>()) });
}
