//! Issue 12, hardening: bounded time and memory per request, a control plane that answers in
//! its own JSON and cannot be driven by a foreign web page, fault rules that can fire, and a
//! store that loses no acknowledged write. Each module reproduces the defects of one section.

mod common;

#[path = "support/binary.rs"]
mod binary;
#[path = "hardening/bodies.rs"]
mod bodies;
#[path = "hardening/clock.rs"]
mod clock;
#[path = "hardening/control_errors.rs"]
mod control_errors;
#[path = "hardening/durability.rs"]
mod durability;
#[path = "hardening/faults.rs"]
mod faults;
#[path = "hardening/guard.rs"]
mod guard;
#[path = "hardening/journal.rs"]
mod journal;
#[path = "hardening/listeners.rs"]
mod listeners;
#[path = "hardening/process.rs"]
mod process;
