//! `/rapports/{id}/historique`: the audit log of a report.

use bilan_store::AuditEntry;
use maud::{html, Markup};

pub fn page(entries: &[AuditEntry]) -> Markup {
    html! {
        h1 { "Historique des modifications" }
        div class="fr-table" { table id="table-historique" {
            caption { "Journal d’audit du rapport (200 dernières opérations)" }
            thead { tr {
                th scope="col" { "Date" } th scope="col" { "Agent" } th scope="col" { "Opération" } th scope="col" { "Objet" }
            } }
            tbody {
                @for e in entries {
                    tr {
                        td { (crate::time::french_datetime(&e.at)) }
                        td { (e.actor_login.as_deref().unwrap_or("—")) }
                        td { code { (e.action) } }
                        td { (e.target) }
                    }
                }
            }
        } }
    }
}
