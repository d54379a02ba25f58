//! How commands that talk to EFS get a reader: from the global flags
//! (`--profile`, `--endpoint-url`, `--emulator STATE_FILE`) and the
//! configuration's `account` blocks (one reader per account, its
//! credentials through aws-config; KMS clients on the same
//! configurations and endpoint). With `--emulator`, the bundled emulator
//! is started in-process on 127.0.0.1:0 with that state file and the SDK is
//! pointed at it with fixed dummy credentials, so no AWS configuration is
//! needed: roles are assumed through the emulator's STS, and an account
//! given by `profile` gets a fixed key the emulator maps to its id.
//!
//! `--endpoint-url` (and the emulator) receive the EFS, STS and KMS calls alike;
//! without it, aws-config's per-service variables (`AWS_ENDPOINT_URL_EFS`,
//! `AWS_ENDPOINT_URL_STS`, `AWS_ENDPOINT_URL_KMS`, `AWS_ENDPOINT_URL`) apply as in every AWS SDK.
//!
//! The emulator handle must be shut down by the caller (it flushes state);
//! nothing here sends traffic anywhere but the chosen endpoint.

use std::path::Path;
use std::time::SystemTime;

use super::GlobalArgs;
#[cfg(feature = "emulator")]
use crate::discover::SharedCredentialsProvider;
use crate::discover::{
    discover, resolve_keys, AccountReaders, ConnectOptions, DiscoverErrors, EfsReader, KmsResolver,
};
#[cfg(feature = "emulator")]
use crate::model::AccountCredentials;
use crate::model::{Actual, Desired, Region};

/// Reads the state that `desired` and the `extra` Regions cover over a
/// connection made from the global flags, closed whatever the outcome.
pub async fn discover_state(
    global: &GlobalArgs,
    desired: &Desired,
    extra: &[Region],
) -> anyhow::Result<Actual> {
    Ok(discover_state_at(global, desired, extra).await?.0)
}

/// Like [`discover_state`], also returning the service's time right after
/// the read ([`Connection::now`]): what `check` measures lag against.
pub async fn discover_state_at(
    global: &GlobalArgs,
    desired: &Desired,
    extra: &[Region],
) -> anyhow::Result<(Actual, SystemTime)> {
    let conn = connect(global, Some(desired)).await?;
    let discovered = observe(&conn, desired, extra).await;
    let now = conn.now();
    conn.close().await;
    Ok((discovered?, now))
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
    /// Reads EFS (or the emulator), each account with its own credentials.
    pub reader: AccountReaders,
    /// Resolves KMS key references, on the same configurations and endpoint.
    pub keys: KmsResolver,
    /// The in-process emulator, when `--emulator` was given.
    #[cfg(feature = "emulator")]
    pub emulator: Option<efs_emulator::Emulator>,
}

impl Connection {
    /// Stops the embedded emulator, if any, flushing its state file.
    pub async fn close(self) {
        #[cfg(feature = "emulator")]
        if let Some(e) = self.emulator {
            e.shutdown().await;
        }
    }

    /// The base URL of the embedded emulator, when one was started.
    pub fn emulator_url(&self) -> Option<String> {
        #[cfg(feature = "emulator")]
        if let Some(e) = &self.emulator {
            return Some(e.base_url().to_owned());
        }
        None
    }

    /// The time the connected service reads as now: the embedded
    /// emulator's clock (which `POST /_emulator/clock` moves) with
    /// `--emulator`, else this machine's clock.
    pub fn now(&self) -> SystemTime {
        #[cfg(feature = "emulator")]
        if let Some(e) = &self.emulator {
            let secs = e.now();
            if secs.is_finite() && secs >= 0.0 {
                return std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(secs);
            }
        }
        SystemTime::now()
    }
}

/// The fixed access key the embedded emulator maps to an account given by
/// `profile` (a profile cannot be read there).
pub fn emulator_profile_key(account: &crate::model::AccountId) -> String {
    format!("AKIAEMUPROFILE{account}")
}

/// Connects according to the global flags, with a reader for each `account`
/// block of `desired`.
pub async fn connect(global: &GlobalArgs, desired: Option<&Desired>) -> anyhow::Result<Connection> {
    let accounts = desired.map(|d| d.accounts.as_slice()).unwrap_or_default();
    if let Some(state) = &global.emulator {
        if global.endpoint_url.is_some() {
            anyhow::bail!("--emulator and --endpoint-url cannot be used together: the emulator is the endpoint");
        }
        return connect_emulator(state, desired).await;
    }
    let reader = EfsReader::connect(&ConnectOptions {
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone(),
        static_credentials: None,
    })
    .await;
    let mut readers = Vec::new();
    for a in accounts {
        readers.push((a.clone(), reader.for_account(a).await));
    }
    let reader = match desired {
        Some(d) => AccountReaders::new(reader, readers, d),
        None => AccountReaders::single(reader),
    };
    Ok(Connection {
        keys: key_resolver(&reader),
        reader,
        #[cfg(feature = "emulator")]
        emulator: None,
    })
}

/// `--emulator` in a build without the `emulator` feature.
#[cfg(not(feature = "emulator"))]
async fn connect_emulator(state: &Path, _desired: Option<&Desired>) -> anyhow::Result<Connection> {
    anyhow::bail!(
        "--emulator {}: this build of efs-replicator has no bundled emulator (it was built without the `emulator` cargo feature); rebuild with default features, or point --endpoint-url at a running efs-emulator",
        state.display()
    )
}

/// Starts the embedded emulator on `state` and connects to it, with a
/// reader for each `account` block of `desired`.
#[cfg(feature = "emulator")]
async fn connect_emulator(state: &Path, desired: Option<&Desired>) -> anyhow::Result<Connection> {
    use anyhow::Context as _;
    let accounts = desired.map(|d| d.accounts.as_slice()).unwrap_or_default();
    check_state_path(state)?;
    let mut config = efs_emulator::Config {
        state_file: Some(state.to_path_buf()),
        ..efs_emulator::Config::default()
    };
    for a in accounts {
        if let AccountCredentials::Profile(_) = a.credentials {
            config
                .access_key_accounts
                .insert(emulator_profile_key(&a.id), a.id.to_string());
        }
    }
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
    let mut readers = Vec::new();
    for a in accounts {
        let r = match &a.credentials {
            AccountCredentials::AssumeRole { .. } => reader.for_account(a).await,
            AccountCredentials::Profile(_) => {
                reader.with_credentials(SharedCredentialsProvider::new(aws_sdk_efs_credentials(
                    &emulator_profile_key(&a.id),
                )))
            }
        };
        readers.push((a.clone(), r));
    }
    let reader = match desired {
        Some(d) => AccountReaders::new(reader, readers, d),
        None => AccountReaders::single(reader),
    };
    Ok(Connection {
        keys: key_resolver(&reader),
        reader,
        emulator: Some(emulator),
    })
}

/// Static credentials with the emulator's (unchecked) secret.
#[cfg(feature = "emulator")]
fn aws_sdk_efs_credentials(key: &str) -> crate::discover::StaticCredentials {
    crate::discover::StaticCredentials::new(
        key,
        EMULATOR_SECRET_KEY,
        None,
        None,
        "efs-replicator-emulator",
    )
}

/// A KMS resolver with the default configuration and each account's.
fn key_resolver(readers: &AccountReaders) -> KmsResolver {
    let default = readers.default_reader();
    let mut keys = KmsResolver::new(default.sdk_config(), default.endpoint_url());
    for (account, reader) in readers.accounts() {
        keys = keys.with_account(account.id.clone(), reader.sdk_config().clone());
    }
    keys
}

/// Refuses a state file whose directory does not exist (a typo would
/// otherwise fail only at the first write), and says on stderr when the
/// file does not exist yet: the emulator then starts empty and creates it.
#[cfg(feature = "emulator")]
fn check_state_path(state: &Path) -> anyhow::Result<()> {
    if state.exists() {
        return Ok(());
    }
    let dir = match state.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        anyhow::bail!(
            "--emulator {}: directory {} does not exist; give the path of an existing state file, or of a new one in an existing directory",
            state.display(),
            dir.display()
        );
    }
    eprintln!(
        "note: emulator state file {} does not exist: starting with an empty state and creating it (check the path if you meant an existing one)",
        state.display()
    );
    Ok(())
}
