use axum::{routing::get, Json, Router};
use std::collections::HashMap;

async fn ping() -> &'static str {
    "pong"
}

async fn forecast() -> Json<HashMap<&'static str, &'static str>> {
    Json(HashMap::from([("today", "sunny"), ("tomorrow", "rain")]))
}

#[tokio::main]
async fn main() {
    let app = Router::new()
        .route("/ping", get(ping))
        .route("/forecast", get(forecast));
    let listener = tokio::net::TcpListener::bind("0.0.0.0:7878").await.unwrap();
    axum::serve(listener, app).await.unwrap();
}
