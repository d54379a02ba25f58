//! [`AccountReaders`]: the [`StateReader`] over several accounts. Each
//! `account` block of the configuration gets its own [`EfsReader`] (its
//! credentials through aws-config, see [`EfsReader::for_account`]); the
//! default credentials read everything else.
//!
//! A Region is read in every account that has something there (a source, a
//! destination, the source of a `removed` block; the default account for
//! those without an account block and for `--region`): one paginated listing per
//! (account, Region), run concurrently, their views put together, so that
//! discovery, the stale-plan check and apply's waits see every account at
//! once through the one read path. A file system is described, and apply
//! writes to it, with the credentials of the account it belongs to: known
//! from the configuration (`source_account` of a replication or a `removed`
//! block, a source or destination ARN) or learnt
//! from what the listings reported; when neither says, each account read in
//! its Region is asked in turn.
//!
//! Reads only; never writes (apply's writer asks it which client to use).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Mutex;

use super::{DiscoverError, EfsReader, Listers, StateReader};
use crate::model::{
    Account, AccountCredentials, AccountId, ActualReplication, Desired, FileSystemId,
    FileSystemInfo, Region,
};

/// Which credentials: the default chain (`None`) or an account block's.
type Who = Option<AccountId>;

/// One reader per account block, and the default one.
pub struct AccountReaders {
    default: EfsReader,
    accounts: BTreeMap<AccountId, (Account, EfsReader)>,
    /// The accounts each Region is read in.
    in_region: BTreeMap<Region, BTreeSet<Who>>,
    /// The account of each file system, where known.
    routes: Mutex<HashMap<(Region, FileSystemId), Who>>,
    /// The default credentials' account, once something read with them
    /// showed it (a file system's owner, a side only that account sees).
    default_id: Mutex<Option<AccountId>>,
}

impl AccountReaders {
    /// The default reader alone: every call with the default credentials.
    pub fn single(default: EfsReader) -> Self {
        AccountReaders {
            default,
            accounts: BTreeMap::new(),
            in_region: BTreeMap::new(),
            routes: Mutex::new(HashMap::new()),
            default_id: Mutex::new(None),
        }
    }

    /// A reader per `account` block of `desired` (`readers`, made by the
    /// caller, e.g. with [`EfsReader::for_account`]), and the routes and
    /// Regions its declarations imply.
    pub fn new(default: EfsReader, readers: Vec<(Account, EfsReader)>, desired: &Desired) -> Self {
        let mut out = AccountReaders::single(default);
        for (a, r) in readers {
            out.accounts.insert(a.id.clone(), (a, r));
        }
        let known = |id: &Option<AccountId>| id.clone().filter(|a| out.accounts.contains_key(a));
        let mut in_region: BTreeMap<Region, BTreeSet<Who>> = BTreeMap::new();
        let mut routes = HashMap::new();
        for d in &desired.replications {
            let src = known(&d.source_account);
            in_region
                .entry(d.source_region.clone())
                .or_default()
                .insert(src.clone());
            routes.insert((d.source_region.clone(), d.source.clone()), src.clone());
            let dest_arn = d
                .destination
                .file_system
                .as_ref()
                .and_then(|f| f.arn.as_ref());
            let dest = match dest_arn {
                Some(arn) => known(&Some(arn.account.clone())).or(src.clone()),
                None => src.clone(),
            };
            in_region
                .entry(d.destination.region.clone())
                .or_default()
                .insert(dest.clone());
            if let Some(f) = &d.destination.file_system {
                routes.insert((d.destination.region.clone(), f.id.clone()), dest);
            }
        }
        // A removed block's replication is read, and deleted, in its
        // source's account, as a declared one is.
        for r in &desired.removed {
            let src = known(&r.source_account);
            in_region
                .entry(r.source_region.clone())
                .or_default()
                .insert(src.clone());
            routes
                .entry((r.source_region.clone(), r.source.clone()))
                .or_insert(src);
        }
        out.in_region = in_region;
        out.routes = Mutex::new(routes);
        out
    }

    /// Reads each of `regions` in every account (the default one and each
    /// block's): for `export`, which has no declarations to go by.
    pub fn read_everywhere(mut self, regions: &[Region]) -> Self {
        let all: BTreeSet<Who> = std::iter::once(None)
            .chain(self.accounts.keys().cloned().map(Some))
            .collect();
        for r in regions {
            self.in_region.insert(r.clone(), all.clone());
        }
        self
    }

    /// The accounts `region` is read in: those the configuration puts
    /// there, else (a Region only named by `--region`) the default one.
    fn who_in(&self, region: &Region) -> Vec<Who> {
        match self.in_region.get(region) {
            Some(w) if !w.is_empty() => w.iter().cloned().collect(),
            _ => vec![None],
        }
    }

    fn reader(&self, who: &Who) -> &EfsReader {
        who.as_ref()
            .and_then(|a| self.accounts.get(a))
            .map_or(&self.default, |(_, r)| r)
    }

    /// The reader to use for `file_system` in `region`: its account's, when
    /// known, else the default one.
    pub fn reader_for(&self, region: &Region, file_system: &FileSystemId) -> &EfsReader {
        let routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let who = routes
            .get(&(region.clone(), file_system.clone()))
            .cloned()
            .flatten();
        drop(routes);
        self.reader(&who)
    }

    /// The readers of every account `region` is read in.
    pub fn readers_in(&self, region: &Region) -> Vec<&EfsReader> {
        self.who_in(region).iter().map(|w| self.reader(w)).collect()
    }

    /// The reader of the default credentials.
    pub fn default_reader(&self) -> &EfsReader {
        &self.default
    }

    /// Each account block with its reader.
    pub fn accounts(&self) -> impl Iterator<Item = (&Account, &EfsReader)> {
        self.accounts.values().map(|(a, r)| (a, r))
    }

    /// How many account blocks have a reader.
    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    fn route(&self, region: &Region, id: &FileSystemId, who: Who) {
        // Without account blocks everything is read with the default
        // credentials: there is no route to remember.
        if self.accounts.is_empty() {
            return;
        }
        self.routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((region.clone(), id.clone()))
            .or_insert(who);
    }

    /// Who to ask about one file system: the account a listing saw it in,
    /// or, not seen yet, every reader of the Region.
    fn candidates(&self, region: &Region, id: &FileSystemId) -> Vec<Who> {
        match self.known_route(region, id) {
            Some(w) => vec![w],
            None => self.who_in(region),
        }
    }

    fn known_route(&self, region: &Region, id: &FileSystemId) -> Option<Who> {
        self.routes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&(region.clone(), id.clone()))
            .cloned()
    }

    /// Remembers the default credentials' account, shown by something they read.
    fn learn_default(&self, who: &Who, id: Option<&AccountId>) {
        if let (None, Some(id)) = (who, id) {
            self.default_id
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get_or_insert_with(|| id.clone());
        }
    }

    /// The account a reader acts in, for error messages.
    fn label(&self, who: &Who) -> Option<String> {
        let id = who.as_ref()?;
        let (a, _) = self.accounts.get(id)?;
        Some(format!("account.{} ({id})", a.name))
    }

    /// Names the account in an error, when it is not the default one, and
    /// says what to do when its credentials could not be obtained.
    fn tag(&self, who: &Who, mut e: DiscoverError) -> DiscoverError {
        let Some(l) = self.label(who) else {
            return e;
        };
        let account = who.as_ref().and_then(|id| self.accounts.get(id));
        match &mut e {
            DiscoverError::Transport {
                region,
                message,
                hint,
                ..
            } => {
                *region = format!("{region} as {l}");
                if message.contains("loading credentials") {
                    *hint = match account.map(|(a, _)| &a.credentials) {
                        Some(AccountCredentials::AssumeRole { role_arn, .. }) => format!(
                            "the role of {l} could not be assumed: allow the default credentials sts:AssumeRole on {role_arn} and let the role's trust policy accept them (docs/iam.md)"
                        ),
                        Some(AccountCredentials::Profile(p)) => format!(
                            "the credentials of profile {p:?} ({l}) could not be loaded: check it in the AWS config files (or run `aws sso login --profile {p}`)"
                        ),
                        None => hint.clone(),
                    };
                }
            }
            DiscoverError::Api { region, .. } | DiscoverError::InvalidResponse { region, .. } => {
                *region = format!("{region} as {l}");
            }
        }
        e
    }

    /// Learns the accounts of the file systems a listing shows: the source
    /// is in the listing's account; the destination in its owner's, when
    /// that account has a block.
    fn learn(&self, who: &Who, reps: &[ActualReplication]) {
        let block = |a: &Option<AccountId>| a.clone().filter(|a| self.accounts.contains_key(a));
        // One lock for the whole listing.
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        for r in reps {
            let src = block(&r.source_owner).or_else(|| who.clone());
            routes
                .entry((r.source_region.clone(), r.source.clone()))
                .or_insert(src);
            let dst = block(&r.destination.owner).or_else(|| who.clone());
            routes
                .entry((
                    r.destination.region.clone(),
                    r.destination.file_system_id.clone(),
                ))
                .or_insert(dst);
        }
    }

    /// The replication of `file_system`, read with its account's reader
    /// (else each account of the Region in turn).
    pub async fn replication_of(
        &self,
        region: &Region,
        file_system: &FileSystemId,
    ) -> Result<Option<ActualReplication>, DiscoverError> {
        self.describe_replication(region, file_system).await
    }
}

impl StateReader for AccountReaders {
    async fn list_replications(
        &self,
        region: &Region,
    ) -> Result<Vec<ActualReplication>, DiscoverError> {
        let who = self.who_in(region);
        let lists = futures::future::join_all(
            who.iter()
                .map(|w| async move { (w, self.reader(w).list_replications(region).await) }),
        )
        .await;
        let mut out = Vec::new();
        for (w, l) in lists {
            let reps = l.map_err(|e| self.tag(w, e))?;
            self.learn(w, &reps);
            // A listing shows the sides in its own account: a replication
            // with one side in this Region shows whose that side is.
            for r in &reps {
                if &r.source_region == region && &r.destination.region != region {
                    self.learn_default(w, r.source_owner.as_ref());
                } else if &r.destination.region == region && &r.source_region != region {
                    self.learn_default(w, r.destination.owner.as_ref());
                }
            }
            out.extend(reps);
        }
        Ok(out)
    }

    async fn list_file_systems(
        &self,
        region: &Region,
    ) -> Result<Vec<FileSystemInfo>, DiscoverError> {
        let who = self.who_in(region);
        let lists = futures::future::join_all(
            who.iter()
                .map(|w| async move { (w, self.reader(w).list_file_systems(region).await) }),
        )
        .await;
        let mut out: Vec<FileSystemInfo> = Vec::new();
        let mut seen = HashSet::new();
        // One listing holds each file system once.
        let one = lists.len() == 1;
        for (w, l) in lists {
            let fss = l.map_err(|e| self.tag(w, e))?;
            // A listing holds its own account's file systems only.
            self.learn_default(w, fss.first().map(|f| &f.owner));
            // Without account blocks there is no route to remember; with
            // them, one lock per listing.
            let mut routes = (!self.accounts.is_empty())
                .then(|| self.routes.lock().unwrap_or_else(|p| p.into_inner()));
            for f in fss {
                if let Some(routes) = routes.as_mut() {
                    routes
                        .entry((f.region.clone(), f.id.clone()))
                        .or_insert_with(|| w.clone());
                }
                if one || seen.insert(f.id.clone()) {
                    out.push(f);
                }
            }
        }
        Ok(out)
    }

    async fn describe_file_system(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> Result<Option<FileSystemInfo>, DiscoverError> {
        let candidates = self.candidates(region, id);
        for w in &candidates {
            let found = self
                .reader(w)
                .describe_file_system(region, id)
                .await
                .map_err(|e| self.tag(w, e))?;
            if let Some(f) = &found {
                self.route(region, id, w.clone());
                self.learn_default(w, Some(&f.owner));
                return Ok(found);
            }
        }
        Ok(None)
    }

    async fn describe_replication(
        &self,
        region: &Region,
        id: &FileSystemId,
    ) -> Result<Option<ActualReplication>, DiscoverError> {
        let candidates = self.candidates(region, id);
        for w in &candidates {
            let found = self
                .reader(w)
                .replication_of(region, id)
                .await
                .map_err(|e| self.tag(w, e))?;
            if let Some(r) = found {
                self.learn(w, std::slice::from_ref(&r));
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    fn listers(&self, region: &Region) -> Listers {
        let mut out = Listers::default();
        for w in self.who_in(region) {
            match w.filter(|a| self.accounts.contains_key(a)) {
                Some(a) => {
                    out.accounts.insert(a);
                }
                None => out.default = true,
            }
        }
        out
    }

    fn default_account(&self) -> Option<AccountId> {
        self.default_id
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn block_accounts(&self) -> BTreeSet<AccountId> {
        self.accounts.keys().cloned().collect()
    }
}
