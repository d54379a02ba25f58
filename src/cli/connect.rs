//! How commands that talk to EFS get a reader: from the global flags
//! (`--profile`, `--endpoint-url`, `--emulator STATE_FILE`). With
//! `--emulator`, the bundled emulator is started in-process on 127.0.0.1:0
//! with that state file and the SDK is pointed at it with fixed dummy
//! credentials, so no AWS configuration is needed. EFS and KMS clients are
//! built from the same configuration and endpoint.
//!
//! The emulator handle must be shut down by the caller (it flushes state);
//! nothing here sends traffic anywhere but the chosen endpoint.

use anyhow::Context as _;

use super::GlobalArgs;
use crate::discover::{
    discover, resolve_keys, ConnectOptions, DiscoverErrors, EfsReader, KmsResolver,
};
use crate::model::{Actual, Desired, Region};

/// Reads the state that `desired` and the `extra` Regions cover over a
/// connection made from the global flags, closed whatever the outcome.
pub async fn discover_state(
    global: &GlobalArgs,
    desired: &Desired,
    extra: &[Region],
) -> anyhow::Result<Actual> {
    let conn = connect(global).await?;
    let discovered = observe(&conn, desired, extra).await;
    conn.close().await;
    Ok(discovered?)
}

/// Discovery and the resolution of the declared KMS keys, concurrently:
/// everything the planner needs.
pub async fn observe(
    conn: &Connection,
    desired: &Desired,
    extra: &[Region],
) -> Result<Actual, DiscoverErrors> {
    let (discovered, keys) = tokio::join!(
        discover(&conn.reader, desired, extra),
        resolve_keys(&conn.keys, desired)
    );
    let mut actual = discovered?;
    actual.kms_keys = keys;
    Ok(actual)
}

/// Access key id used with the embedded emulator (it maps to its default account).
pub const EMULATOR_ACCESS_KEY: &str = "AKIAEMULATOR00000000";
/// Secret used with the embedded emulator.
pub const EMULATOR_SECRET_KEY: &str = "emulator-secret-not-checked";

/// A reader, and the embedded emulator when one was started.
pub struct Connection {
    /// Reads EFS (or the emulator).
    pub reader: EfsReader,
    /// Resolves KMS key references, on the same configuration and endpoint.
    pub keys: KmsResolver,
    /// The in-process emulator, when `--emulator` was given.
    pub emulator: Option<efs_emulator::Emulator>,
}

impl Connection {
    /// Stops the embedded emulator, if any, flushing its state file.
    pub async fn close(self) {
        if let Some(e) = self.emulator {
            e.shutdown().await;
        }
    }
}

/// Connects according to the global flags.
pub async fn connect(global: &GlobalArgs) -> anyhow::Result<Connection> {
    if let Some(state) = &global.emulator {
        if global.endpoint_url.is_some() {
            anyhow::bail!("--emulator and --endpoint-url cannot be used together: the emulator is the endpoint");
        }
        let mut config = efs_emulator::Config {
            state_file: Some(state.clone()),
            ..efs_emulator::Config::default()
        };
        // The embedded emulator plays the behaviour variant set named by
        // EFS_EMULATOR_VARIANTS (emulator/README.md), so that the binary's
        // tests run under every set too; unset, the defaults.
        let variants = efs_emulator::variants::VARIANTS_ENV;
        if let Ok(v) = std::env::var(variants) {
            efs_emulator::VariantSet::parse(&v)
                .map_err(|e| anyhow::anyhow!("{variants}: {e}"))?
                .apply(&mut config);
        }
        let emulator = efs_emulator::start(config).await.with_context(|| {
            format!(
                "could not start the embedded emulator with state file {}",
                state.display()
            )
        })?;
        let reader = EfsReader::connect(&ConnectOptions {
            profile: None,
            endpoint_url: Some(emulator.base_url().to_owned()),
            static_credentials: Some((
                EMULATOR_ACCESS_KEY.to_owned(),
                EMULATOR_SECRET_KEY.to_owned(),
            )),
        })
        .await;
        return Ok(Connection {
            keys: KmsResolver::new(reader.sdk_config(), reader.endpoint_url()),
            reader,
            emulator: Some(emulator),
        });
    }
    let reader = EfsReader::connect(&ConnectOptions {
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
        static_credentials: None,
    })
    .await;
    Ok(Connection {
        keys: KmsResolver::new(reader.sdk_config(), reader.endpoint_url()),
        reader,
        emulator: None,
    })
}
