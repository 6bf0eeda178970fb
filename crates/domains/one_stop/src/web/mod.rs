//! The one-stop slice's pages and API: the catalogue, filing, dossiers and the agents' queue
//! (`one_stop`), the counter intake (`counter_web`), the JSON API (`one_stop_api`), official documents and their verification
//! (`documents_web`), statistics (`stats_web`), exports (`exports_web`) and the procedure
//! editor (`procedures_admin`). Each exports its `SLICE`.

pub mod counter_web;
pub mod documents_web;
pub mod exports_web;
pub mod one_stop;
pub mod one_stop_api;
pub mod procedures_admin;
pub mod stats_web;
