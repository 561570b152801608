use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    println!("Docker ECS plugin {}", env!("CARGO_PKG_VERSION"));
    Ok(ExitCode::SUCCESS)
}
