//! A hard deadline for HiGHS. Its `time_limit` option is not checked in
//! every phase (on a provincial model the root LP overran a 120 s limit by
//! minutes), so the solver also registers HiGHS's interrupt callbacks, which
//! its simplex, interior-point and MIP loops call, and asks it to stop once
//! the deadline has passed, or once the solve is [`Cancel`]led. HiGHS then
//! ends with "interrupted", which the solver reports as `time_limit` with
//! the best solution found.

use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use highs_sys::{
    kHighsCallbackIpmInterrupt, kHighsCallbackMipInterrupt, kHighsCallbackSimplexInterrupt,
    HighsCallbackDataIn, HighsCallbackDataOut, Highs_setCallback, Highs_startCallback,
};

use crate::solve_error::SolveError;

/// Stops a solve from another thread: the solver returns the best staffing
/// found so far, as at its time limit, within moments (HiGHS is
/// interrupted). Clones share the one flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Asks the solve to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    /// Whether the solve was asked to stop.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// What HiGHS's callbacks read: when to stop, and whether to stop now.
struct Stop {
    at: Instant,
    cancel: Cancel,
}

/// The stop HiGHS's callbacks read, at a fixed heap address.
///
/// HiGHS keeps a raw pointer to it for as long as the model lives, so it
/// must outlive the model: it belongs to the struct that owns the model, as
/// a field declared *after* the model's (fields drop in declaration order).
/// It is written only between solves, through [`Deadline::arm`], which
/// hands HiGHS the pointer anew after every write.
pub struct Deadline(Box<Stop>);

impl Default for Deadline {
    fn default() -> Self {
        Self(Box::new(Stop {
            at: Instant::now(),
            cancel: Cancel::default(),
        }))
    }
}

impl Deadline {
    /// Makes the next solve of `model` stop at `at`, or when `cancel` says.
    pub fn arm(
        &mut self,
        model: &mut highs::Model,
        at: Instant,
        cancel: &Cancel,
    ) -> Result<(), SolveError> {
        *self.0 = Stop {
            at,
            cancel: cancel.clone(),
        };
        let highs = model.as_mut_ptr();
        let user = std::ptr::from_ref::<Stop>(&self.0)
            .cast_mut()
            .cast::<c_void>();
        // SAFETY: `highs` is the model's live HiGHS instance; `user` points
        // into this box, which outlives the model (see the type's doc) and
        // which the callback only reads.
        let status = unsafe { Highs_setCallback(highs, Some(on_callback), user) };
        SolveError::unless_highs_ok(status, "register the interrupt callback")?;
        for kind in [
            kHighsCallbackSimplexInterrupt,
            kHighsCallbackIpmInterrupt,
            kHighsCallbackMipInterrupt,
        ] {
            // SAFETY: as above.
            let status = unsafe { Highs_startCallback(highs, kind) };
            SolveError::unless_highs_ok(status, "start an interrupt callback")?;
        }
        Ok(())
    }
}

/// Asks HiGHS to stop when the deadline behind `user` has passed or the
/// solve was cancelled.
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
    // SAFETY: `user` is the boxed `Stop` of a `Deadline`, alive while the
    // model is; `data_in` is the struct HiGHS hands its interrupt callbacks.
    unsafe {
        let stop = &*user.cast::<Stop>();
        if stop.cancel.is_cancelled() || Instant::now() >= stop.at {
            (*data_in).user_interrupt = 1;
        }
    }
}
