//! The co-operative mutual fund (ICA principle 6; Italian law 59/1992): fed by a levy on co-op
//! surpluses and by the asset-locked reserves of dissolved co-ops, it lends to member co-ops the
//! bank has refused.

/// The fund's books: net worth is `cash + loans`.
#[derive(Debug, Clone)]
pub struct Fund {
    /// Money available to lend.
    pub cash: f64,
    /// Outstanding loans to co-ops.
    pub loans: f64,
}

impl Fund {
    pub fn balance(&self) -> f64 {
        self.cash + self.loans
    }
}
