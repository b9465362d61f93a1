//! The report overview shows the SHA-256 fingerprint of each frozen version, as stored.

mod common;

use bilan_store::Status;
use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn overview_shows_each_frozen_versions_fingerprint() {
    let s = start().await;
    let id = s.report_id("03", 2020).await;
    let admin = s.admin_id().await;
    let deliberation = Some(("CP-1".into(), "2021-06-01".into()));
    s.store.set_status(admin, id, Status::Draft, Status::Adopted, "test", deliberation).await.unwrap();
    s.store.set_status(admin, id, Status::Adopted, Status::Transmitted, "test", None).await.unwrap();
    let frozen = s.store.frozen_text(id, 1).await.unwrap().unwrap();
    let sha = bilan_store::verify::sha256_hex(frozen.as_bytes());
    assert_eq!(s.store.version_fingerprints(id).await.unwrap(), vec![(1, Some(sha.clone()))]);

    let editor = s.login("editeur.allier").await;
    let (status, body) = editor.page(&format!("/rapports/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attr_by_id(&body, "empreinte-version-1", "data-sha256"), Some(sha.clone()));
    assert_eq!(attr_by_id(&body, "empreinte-version-1", "title"), Some(format!("SHA-256 : {sha}")));
    assert_eq!(text_by_id(&body, "empreinte-version-1"), Some(format!("{}…", &sha[..12])));
}
