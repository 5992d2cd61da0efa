//! The service's HTML pages beside the API: the web console (a single page
//! that speaks the API) and the trainees' evaluation form.

pub mod console;
pub mod trainee_form;
