//! A hard deadline for HiGHS. Its `time_limit` option is not checked in
//! every phase (on a provincial model the root LP overran a 120 s limit by
//! minutes), so the solver also registers HiGHS's interrupt callbacks, which
//! its simplex, interior-point and MIP loops call, and asks it to stop once
//! the deadline has passed. HiGHS then ends with "interrupted", which the
//! solver reports as `time_limit` with the best solution found.

use std::os::raw::{c_char, c_int, c_void};
use std::time::Instant;

use highs_sys::{
    kHighsCallbackIpmInterrupt, kHighsCallbackMipInterrupt, kHighsCallbackSimplexInterrupt,
    HighsCallbackDataIn, HighsCallbackDataOut, Highs_setCallback, Highs_startCallback,
};

/// Makes `model` stop at `deadline`. The returned box holds what the
/// callback reads: keep it alive until the solve has returned.
pub fn interrupt_at(model: &mut highs::Model, deadline: Instant) -> Box<Instant> {
    let deadline = Box::new(deadline);
    let highs = model.as_mut_ptr();
    // SAFETY: `highs` is the model's live HiGHS instance. The callback data
    // is a pointer to the boxed `Instant`, which the caller keeps alive for
    // the whole solve and which the callback only reads.
    unsafe {
        Highs_setCallback(
            highs,
            Some(on_callback),
            std::ptr::from_ref::<Instant>(&deadline)
                .cast_mut()
                .cast::<c_void>(),
        );
        for kind in [
            kHighsCallbackSimplexInterrupt,
            kHighsCallbackIpmInterrupt,
            kHighsCallbackMipInterrupt,
        ] {
            Highs_startCallback(highs, kind);
        }
    }
    deadline
}

/// Asks HiGHS to stop when the deadline behind `user` has passed.
unsafe extern "C" fn on_callback(
    _kind: c_int,
    _message: *const c_char,
    _out: *const HighsCallbackDataOut,
    data_in: *mut HighsCallbackDataIn,
    user: *mut c_void,
) {
    if data_in.is_null() || user.is_null() {
        return;
    }
    // SAFETY: `user` is the boxed `Instant` of `interrupt_at`, alive for the
    // solve; `data_in` is the struct HiGHS hands its interrupt callbacks.
    unsafe {
        if Instant::now() >= *user.cast::<Instant>() {
            (*data_in).user_interrupt = 1;
        }
    }
}
