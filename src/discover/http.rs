//! The one HTTP client every AWS SDK client of a run shares (EFS, STS and
//! KMS, every account and Region): the SDK's default HTTPS stack (hyper
//! 1.x, rustls with aws-lc, proxy settings from the environment), built
//! once. Left to itself, each SDK client builds its own HTTP client, and
//! with it its own connection pool and TLS configuration (every root
//! certificate parsed again): with an `account` block per account that is
//! hundreds of them, and most of the CPU a run across accounts spends
//! outside the planner. Shared, connections are reused across clients and
//! the TLS configuration is built once per set of connector settings. (The
//! SDK also asks the HTTP client to validate itself whenever an SDK client
//! is built, which builds a connector only to drop it: [`ValidateOnce`]
//! lets that happen once.)
//!
//! Makes no call itself.

use std::sync::OnceLock;

use aws_sdk_efs::config::{
    ConfigBag, HttpClient, RuntimeComponents, RuntimeComponentsBuilder, SharedHttpClient,
};
use aws_smithy_http_client::proxy::ProxyConfig;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::{Builder, Connector};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{HttpConnectorSettings, SharedHttpConnector};

/// An HTTP client as the SDK builds by default for the latest behavior
/// version, to be shared by every SDK client of the run.
pub fn shared_http_client() -> SharedHttpClient {
    // `build_with_connector_fn` is what the SDK's own default uses: the
    // connector gets the client's timeouts and sleep implementation, and
    // the proxy settings of the environment (HTTPS_PROXY, NO_PROXY), which
    // `Builder::build_https` would leave out.
    let inner = Builder::new().build_with_connector_fn(|settings, components| {
        let mut b = Connector::builder().tls_provider(Provider::Rustls(CryptoMode::AwsLc));
        b.set_connector_settings(settings.cloned());
        if let Some(c) = components {
            b.set_sleep_impl(c.sleep_impl());
        }
        b.set_proxy_config(Some(ProxyConfig::from_env()));
        b.build()
    });
    SharedHttpClient::new(ValidateOnce {
        inner,
        validated: OnceLock::new(),
    })
}

/// The shared client, validated the first time an SDK client is built
/// with it and not again: the default client's validation only builds a
/// connector (TLS configuration and root certificates included) ahead of
/// the first request, and drops it.
#[derive(Debug)]
struct ValidateOnce {
    inner: SharedHttpClient,
    validated: OnceLock<()>,
}

impl HttpClient for ValidateOnce {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.inner.http_connector(settings, components)
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        if self.validated.get().is_none() {
            self.inner
                .validate_base_client_config(runtime_components, cfg)?;
            let _ = self.validated.set(());
        }
        Ok(())
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}
