//! KMS key references declared as a destination's `kms_key_id`, resolved
//! to key ARNs with `DescribeKey` in the destination's Region, with the
//! credentials of the destination's account when it has an `account` block
//! ([`Desired::key_account`]): one call per distinct (account, Region,
//! reference), all concurrently, so that the
//! planner can compare the key EFS reports with the key the configuration
//! names exactly (an alias of the key in use is no drift).
//!
//! [`KeyResolver`] is the small interface; [`KmsResolver`] implements it
//! with `aws-sdk-kms`, one client per (account, Region), built from the same
//! AWS configuration and endpoint as the EFS reader. This is the only file
//! that imports `aws_sdk_kms`; it only reads. Every outcome, errors
//! included, becomes a [`KeyResolution`]: resolution never fails discovery.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kms::operation::describe_key::DescribeKeyError;
use aws_sdk_kms::Client;

use crate::model::{
    AccountId, Desired, KeyReference, KeyResolution, KmsKeyRef, Region, ResolvedKey,
};

/// How many DescribeKey calls run at once.
const CONCURRENCY: usize = 16;

/// Attempts per DescribeKey (first one included): few, because an answer
/// that does not come becomes a note, not a failed plan.
const MAX_ATTEMPTS: u32 = 3;

/// Resolves a KMS key reference in a Region of an account.
pub trait KeyResolver {
    /// DescribeKey of `key` in `region`, with the credentials of `account`
    /// (`None`: the default credentials of the run).
    fn describe_key(
        &self,
        account: Option<&AccountId>,
        region: &Region,
        key: &KmsKeyRef,
    ) -> impl Future<Output = KeyResolution> + Send;
}

/// [`KeyResolver`] over `aws-sdk-kms`.
pub struct KmsResolver {
    /// The AWS configuration per account; `None` is the default one.
    configs: HashMap<Option<AccountId>, aws_config::SdkConfig>,
    endpoint_url: Option<String>,
    clients: Mutex<HashMap<(Option<AccountId>, Region), Client>>,
}

impl KmsResolver {
    /// A resolver using `sdk_config` (the default credentials) and, when
    /// given, the endpoint every client is pointed at (`--endpoint-url`,
    /// `--emulator`); otherwise `AWS_ENDPOINT_URL_KMS` / `AWS_ENDPOINT_URL`
    /// or AWS.
    pub fn new(sdk_config: &aws_config::SdkConfig, endpoint_url: Option<&str>) -> Self {
        let mut configs = HashMap::new();
        configs.insert(None, sdk_config.clone());
        KmsResolver {
            configs,
            endpoint_url: endpoint_url.map(str::to_owned),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// Uses `sdk_config` (that account's credentials) for keys of `account`.
    pub fn with_account(mut self, account: AccountId, sdk_config: aws_config::SdkConfig) -> Self {
        self.configs.insert(Some(account), sdk_config);
        self
    }

    fn client(&self, account: Option<&AccountId>, region: &Region) -> Client {
        let account = account.filter(|a| self.configs.contains_key(&Some((*a).clone())));
        let slot = (account.cloned(), region.clone());
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        clients
            .entry(slot)
            .or_insert_with(|| {
                let config = self
                    .configs
                    .get(&account.cloned())
                    .or_else(|| self.configs.get(&None))
                    .expect("the default configuration is always present");
                let mut b = aws_sdk_kms::config::Builder::from(config)
                    .region(aws_sdk_kms::config::Region::new(region.to_string()))
                    .retry_config(
                        aws_config::retry::RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS),
                    )
                    .timeout_config(
                        aws_config::timeout::TimeoutConfig::builder()
                            .connect_timeout(std::time::Duration::from_secs(5))
                            .operation_timeout(std::time::Duration::from_secs(30))
                            .build(),
                    );
                if let Some(u) = &self.endpoint_url {
                    b = b.endpoint_url(u);
                }
                Client::from_conf(b.build())
            })
            .clone()
    }
}

impl KeyResolver for KmsResolver {
    async fn describe_key(
        &self,
        account: Option<&AccountId>,
        region: &Region,
        key: &KmsKeyRef,
    ) -> KeyResolution {
        let result = self
            .client(account, region)
            .describe_key()
            .key_id(key.as_str())
            .send()
            .await;
        match result {
            Ok(out) => match out.key_metadata().and_then(|m| m.arn()) {
                Some(arn) => KeyResolution::Key(arn.to_owned()),
                None => KeyResolution::Failed("DescribeKey answered without a key ARN".into()),
            },
            Err(e) => classify(e),
        }
    }
}

fn classify(e: SdkError<DescribeKeyError>) -> KeyResolution {
    let message = |e: &DescribeKeyError| {
        format!(
            "{}: {}",
            e.code().unwrap_or("error"),
            e.message().unwrap_or("no message")
        )
    };
    match e {
        SdkError::ServiceError(se) => {
            let err = se.into_err();
            match err.code() {
                Some("NotFoundException" | "InvalidArnException") => {
                    KeyResolution::NotFound(message(&err))
                }
                Some("AccessDeniedException") => KeyResolution::AccessDenied(message(&err)),
                _ => KeyResolution::Failed(message(&err)),
            }
        }
        other => KeyResolution::Failed(format!(
            "DescribeKey failed: {}",
            aws_smithy_types::error::display::DisplayErrorContext(&other)
        )),
    }
}

/// Resolves every declared key reference ([`Desired::key_references`]),
/// once each, concurrently.
pub async fn resolve_keys(resolver: &impl KeyResolver, desired: &Desired) -> Vec<ResolvedKey> {
    resolve_references(resolver, desired.key_references()).await
}

/// Resolves each reference in its Region with its account's credentials,
/// concurrently, sorted by reference: what discovery does for the declared
/// keys and the stale-plan check does for the keys of a plan's scope.
pub async fn resolve_references(
    resolver: &impl KeyResolver,
    refs: impl IntoIterator<Item = KeyReference>,
) -> Vec<ResolvedKey> {
    use futures::stream::{self, StreamExt};
    let mut out: Vec<ResolvedKey> = stream::iter(refs)
        .map(|k| async move {
            let resolution = resolver
                .describe_key(k.account.as_ref(), &k.region, &k.reference)
                .await;
            ResolvedKey {
                account: k.account,
                region: k.region,
                reference: k.reference,
                resolution,
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    out.sort_by(|a, b| {
        (&a.account, &a.region, &a.reference).cmp(&(&b.account, &b.region, &b.reference))
    });
    out
}
