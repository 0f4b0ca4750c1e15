// Test stand-in for joelclaw's worker-supervisor: its defaults and events.
impl Default for Config {
    fn default() -> Self {
        Self {
            worker_dir: "~/Code/joelhooks/joelclaw/packages/system-bus".to_string(),
            command: vec![
                "bun".to_string(),
                "run".to_string(),
                "src/serve.ts".to_string(),
            ],
            port: 3111,
            health_endpoint: "/api/inngest".to_string(),
            sync_endpoint: "/api/inngest".to_string(),
            env_file: "~/.config/system-bus.env".to_string(),
            startup_sync_delay_secs: 5,
            health_interval_secs: 30,
            health_failures_before_restart: 3,
            restart_backoff_max_secs: 30,
        }
    }
}

fn run_supervisor(config: Config) {
    let mut backoff_secs = 1_u64;
    preflight("bun", &["--eval", "await import('./src/inngest/functions/index.host.ts');"]);
    http_request_ok(
        "PUT",
        config.port,
        &config.sync_endpoint,
    );
    env_overrides.insert("WORKER_ROLE".to_string(), "host".to_string());
    emit_otel("worker.supervisor.preflight.failed");
    emit_otel("worker.supervisor.worker_exit");
    emit_otel("worker.supervisor.health_check.restart");
}
