//! The scenario: every parameter of the model with its documented default (MODEL.md sections 2, 3
//! and 7). A `Scenario` value is complete and resolved; the model reads nothing else. This module
//! holds types and defaults only: no file access, no validation messages.

use serde::{Deserialize, Serialize};

use super::calendar::Start;
use super::params::{leaf_enum, params};

/// Firm kinds. Behaviour differs only through each kind's `KindParams` block; no rule in the model
/// branches on which kind a firm is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Conventional,
    WorkerCoop,
    SocialCoopA,
    SocialCoopB,
    PublicServiceMutual,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Conventional,
        Kind::WorkerCoop,
        Kind::SocialCoopA,
        Kind::SocialCoopB,
        Kind::PublicServiceMutual,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Conventional => "conventional",
            Kind::WorkerCoop => "worker_coop",
            Kind::SocialCoopA => "social_coop_a",
            Kind::SocialCoopB => "social_coop_b",
            Kind::PublicServiceMutual => "public_service_mutual",
        }
    }
}

/// Sectors of the economy (MODEL.md section 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    SocialServices,
    Manufacturing,
    Construction,
    RetailHospitality,
}

impl Sector {
    pub const ALL: [Sector; 4] = [
        Sector::SocialServices,
        Sector::Manufacturing,
        Sector::Construction,
        Sector::RetailHospitality,
    ];
    pub const COUNT: usize = Self::ALL.len();

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Sector::SocialServices => "social_services",
            Sector::Manufacturing => "manufacturing",
            Sector::Construction => "construction",
            Sector::RetailHospitality => "retail_hospitality",
        }
    }
}

/// A margin a firm can use to match its labour input to demand (MODEL.md section 7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Margin {
    /// Cut hours per worker (down to `hours_floor`).
    Hours,
    /// Cut the pay rate (down to `pay_floor`) while the firm is making losses.
    Pay,
    /// Lay off non-member employees.
    Employees,
    /// Let trainees go (work-integration places).
    Trainees,
    /// Members leave: the last resort of a co-op.
    Members,
}

/// How a shock's intensity moves after it has reached its full depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RecoveryShape {
    /// Linear recovery over `recovery_months`.
    V,
    /// Slow start and slow finish (half cosine) over `recovery_months`.
    U,
    /// No recovery: the shock stays at full depth to the horizon.
    L,
}

/// How `coopsim sweep` combines the values of the parameters it varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SweepDesign {
    /// Every combination of the values.
    Grid,
    /// One parameter at a time, the others at the scenario's own values.
    Oat,
}

/// How `coopsim sensitivity` samples the ranges of the parameters it varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SensitivityMethod {
    /// Morris elementary effects on trajectories over a grid of levels (screening).
    Morris,
    /// Sobol first-order and total indices from Saltelli's design on a scrambled Sobol sequence.
    Sobol,
    /// Latin hypercube sample (uncertainty analysis: each outcome's spread over the ranges).
    Lhs,
}

leaf_enum!(
    Kind,
    Margin,
    RecoveryShape,
    Vec<Margin>,
    SweepDesign,
    SensitivityMethod,
    Vec<String>
);

params! {
    /// What `coopsim sweep` varies when the command line does not say (`--vary` replaces it).
    pub struct Sweep / SweepPatch {
        ["grid or oat", "coopsim sweep"]
        /// How the varied parameters combine: "grid" runs every combination, "oat" varies one at a time around this scenario.
        pub design: SweepDesign,
        ["KEY=VALUES", "coopsim sweep"]
        /// Parameters to vary, written as on the command line: "kinds.worker_coop.fund_levy_share=0,0.03,0.06" (a list) or "policy.credit_guarantee.coverage=0:0.5:6" (6 evenly spaced points from 0 to 0.5).
        pub vary: Vec<String>,
    }
}

params! {
    /// What `coopsim sensitivity` varies when the command line does not say (`--vary` replaces it).
    pub struct Sensitivity / SensitivityPatch {
        ["morris, sobol or lhs", "coopsim sensitivity"]
        /// How the ranges are sampled: "morris" (elementary effects: which parameters matter, cheaply), "sobol" (first-order and total variance shares) or "lhs" (Latin hypercube: the spread of each outcome over the ranges).
        pub method: SensitivityMethod,
        ["count (0: the method's default)", "coopsim sensitivity"]
        /// Morris trajectories, Sobol base samples (the design runs samples x (parameters + 2) points) or Latin hypercube points; 0 takes the method's default (10, 256, 100).
        pub samples: u32,
        ["levels", "Morris 1991; Saltelli et al. 2004"]
        /// Levels of each parameter's range on Morris's grid (an even number; 4 is usual).
        pub levels: u32,
        ["KEY=LO..HI", "coopsim sensitivity"]
        /// Parameters to vary over ranges: "policy.credit_guarantee.coverage=0..0.8", "bank.capital_requirement=0.04..0.1:log" (log-uniform), "kinds.worker_coop.fund_access=false..true". Integer parameters are rounded.
        pub vary: Vec<String>,
        ["outcome names", "coopsim sensitivity"]
        /// Outcomes to analyse (see `coopsim sensitivity --help`); empty: the co-op vs conventional survival gap, each of the two kinds' survival and employment change, and the public cost.
        pub outcomes: Vec<String>,
    }
}

params! {
    /// One number per firm kind (shares of the population, for instance); what the numbers mean is
    /// said where the block is used.
    pub struct KindShares / KindSharesPatch per item {
        /// Conventional investor-owned SMEs.
        pub conventional: f64,
        /// Worker co-operatives.
        pub worker_coop: f64,
        /// Social co-operatives of type A (care and education services).
        pub social_coop_a: f64,
        /// Social co-operatives of type B (work integration).
        pub social_coop_b: f64,
        /// Public-service mutuals.
        pub public_service_mutual: f64,
    }
}

impl KindShares {
    pub fn get(&self, kind: Kind) -> f64 {
        match kind {
            Kind::Conventional => self.conventional,
            Kind::WorkerCoop => self.worker_coop,
            Kind::SocialCoopA => self.social_coop_a,
            Kind::SocialCoopB => self.social_coop_b,
            Kind::PublicServiceMutual => self.public_service_mutual,
        }
    }
}

params! {
    /// One number per sector (a sector mix, or a shock depth per sector); what the numbers mean is
    /// said where the block is used.
    pub struct SectorShares / SectorSharesPatch per item {
        /// Social services (care, health, education support).
        pub social_services: f64,
        /// Manufacturing.
        pub manufacturing: f64,
        /// Construction.
        pub construction: f64,
        /// Retail and hospitality.
        pub retail_hospitality: f64,
    }
}

impl SectorShares {
    pub fn get(&self, sector: Sector) -> f64 {
        match sector {
            Sector::SocialServices => self.social_services,
            Sector::Manufacturing => self.manufacturing,
            Sector::Construction => self.construction,
            Sector::RetailHospitality => self.retail_hospitality,
        }
    }

    pub fn uniform(value: f64) -> Self {
        SectorShares {
            social_services: value,
            manufacturing: value,
            construction: value,
            retail_hospitality: value,
        }
    }
}

params! {
    /// Size and composition of the firm population, and firm demography.
    pub struct Population / PopulationPatch {
        ["firms", "scenario"]
        /// Firms alive at the start of the warm-up.
        pub firms: u32,
        ["share", "scenario; co-ops over-sampled for statistical power"]
        /// Share of each kind among initial firms and entrants (must sum to 1).
        pub kind_mix: KindShares,
        ["workers", "UK BEIS business population estimates 2008 (micro firms dominate)"]
        /// Median headcount of an initial firm (lognormal size distribution).
        pub initial_heads_median: f64,
        ["log-points", "Axtell 2001, Science (firm sizes are skewed)"]
        /// Dispersion (sigma of log headcount) of initial firm sizes.
        pub initial_heads_sigma: f64,
        ["workers", "Gibrat-type entry: entrants start small"]
        /// Median headcount of an entrant.
        pub entrant_heads_median: f64,
        ["log-points", "Jovanovic 1982 (firms learn their efficiency); Brüderl & Schüssler 1990 (liability of adolescence)"]
        /// Extra dispersion of an entrant's productivity (sd of its log, combined with the sector's
        /// `productivity_sigma`): a founder's uncertainty about the new firm, resolved by results.
        pub entrant_productivity_sigma: f64,
        ["log-points", "Foster, Haltiwanger & Syverson 2016, Economica 83 (new plants' size and exit follow their demand); 0: read on the validation and not kept (MODEL.md 10)"]
        /// Dispersion of the market a new firm finds (sd of the log of a mean-one shock to an
        /// entrant's demand weight): founders do not know how many customers they will win.
        pub entrant_demand_sigma: f64,
        ["exponent", "Stanley et al. 1996, Nature (dispersion of firm growth rates falls as size^-0.15 to -0.2); Sutton 2002"]
        /// How a firm's demand volatility and share drift fall with its size: they scale as
        /// (heads / initial_heads_median) to the power minus this.
        pub volatility_size_exponent: f64,
        ["months", "ONS business demography (median firm age)"]
        /// Mean age of initial firms (exponential), which sets the initial liability of newness.
        pub initial_age_mean_months: f64,
        ["entrants per initial firm per month", "ONS business demography: ~10% birth rate a year"]
        /// Entry rate when sector demand matches sector capacity.
        pub entry_rate_monthly: f64,
        ["elasticity", "model choice (MODEL.md 3.8)"]
        /// How strongly entry responds to demand relative to capacity. Credit reaches entry through
        /// founders' startup loans, which the bank makes only within its capital headroom.
        pub entry_demand_elasticity: f64,
        ["probability per month", "MODEL.md 8: a small hazard for what no rule covers (death, illness, disaster)"]
        /// Exogenous exit hazard of a mature firm, the same for every kind: what no closure rule
        /// covers. Retirement and owners' closures have their own rules (kind parameters).
        pub background_exit_monthly: f64,
        ["multiplier", "Stinchcombe 1965 (liability of newness); 0 since the second version, whose young firms fail through their founding capital and owners' learning (MODEL.md 8)"]
        /// Extra exogenous hazard of a newborn firm, relative to a mature one.
        pub newness_multiplier: f64,
        ["months", "as above"]
        /// Age over which the liability of newness decays (e-folding time).
        pub newness_months: f64,
        ["months", "UK insolvency practice: wrongful trading"]
        /// Months a firm may run with negative equity before it is closed.
        pub negative_equity_months: u32,
        ["months of costs", "Petersen & Rajan 1997, Review of Financial Studies (trade credit when bank credit is rationed); HMRC Time to Pay 2008-09 (tax deferred for some 200,000 firms): about six weeks of purchases and taxes, half a month of all costs"]
        /// What a firm out of cash can owe its suppliers and the tax authority (late payment)
        /// before its creditors wind it up: it is insolvent when its unpaid bills exceed this many
        /// months of its costs.
        pub arrears_limit_months: f64,
        ["months of results", "Jovanovic 1982, Econometrica (founders learn their efficiency fastest when the firm is young): a plan worth a year of results"]
        /// How many months of results a new firm's plan is worth to its founders: in month `a` of
        /// its life, the owners' expectation of their income gives the latest month the weight
        /// 1 / (this + a + 1), or the kind's `owner_expectation_weight` once that is larger (the
        /// plan's hold fades as results come in). At 1 / `owner_expectation_weight` or more (25
        /// months at 0.04) founders learn no faster than a going concern's owners.
        pub founders_prior_months: f64,
    }
}

params! {
    /// A sector: its market, its technology and its cost structure.
    pub struct SectorParams / SectorParamsPatch {
        ["GBP thousand per FTE-month", "ONS ASHE 2008 median pay by industry"]
        /// Standard monthly pay of a full-time worker.
        pub wage_monthly: f64,
        ["share of revenue", "ONS input-output tables: compensation share"]
        /// Labour cost as a share of revenue at standard pay and full capacity.
        pub labour_share: f64,
        ["share of revenue", "ONS input-output tables: other costs; operating leverage"]
        /// Fixed costs (premises, equipment, overheads) as a share of revenue at full capacity.
        pub fixed_cost_share: f64,
        ["months of capacity revenue", "ONS capital stocks by industry"]
        /// Physical capital per unit of capacity: the capital intensity of the sector.
        pub capital_months: f64,
        ["log-points", "model choice"]
        /// Dispersion of a new firm's productivity around the sector level (sd of its log, drawn
        /// once at founding).
        pub productivity_sigma: f64,
        ["share per year", "scenario"]
        /// Trend growth of sector demand without a shock.
        pub demand_trend_annual: f64,
        ["sd per month", "ONS index of production / services volatility"]
        /// Aggregate sector demand noise (AR(1) in logs).
        pub demand_volatility: f64,
        ["autocorrelation", "model choice"]
        /// Persistence of the aggregate demand noise.
        pub demand_persistence: f64,
        ["sd per month", "model choice"]
        /// Transitory idiosyncratic noise of a firm's monthly demand.
        pub firm_demand_volatility: f64,
        ["sd per month", "Gibrat's law; Sutton 1997, J. Econ. Literature"]
        /// Monthly random drift of a firm's demand weight (market share).
        pub share_drift: f64,
    }
}

params! {
    /// The four sectors.
    pub struct Sectors / SectorsPatch {
        ["block", "MODEL.md 2"]
        /// Social services.
        pub social_services: SectorParams,
        ["block", "MODEL.md 2"]
        /// Manufacturing.
        pub manufacturing: SectorParams,
        ["block", "MODEL.md 2"]
        /// Construction.
        pub construction: SectorParams,
        ["block", "MODEL.md 2"]
        /// Retail and hospitality.
        pub retail_hospitality: SectorParams,
    }
}

impl Sectors {
    pub fn get(&self, sector: Sector) -> &SectorParams {
        match sector {
            Sector::SocialServices => &self.social_services,
            Sector::Manufacturing => &self.manufacturing,
            Sector::Construction => &self.construction,
            Sector::RetailHospitality => &self.retail_hospitality,
        }
    }
}

params! {
    /// Everything that makes one kind of firm behave differently from another.
    pub struct KindParams / KindParamsPatch {
        ["share", "scenario"]
        /// Share of this kind's firms, initial and entrants, in each sector (must sum to 1 if the kind
        /// has firms).
        pub sector_mix: SectorShares,
        ["share of workers", "Pérotin 2006; Co-operatives UK"]
        /// Share of workers who are members (owners with a vote); the rest are employees or trainees.
        pub member_share: f64,
        ["share of workers", "Italian law 381/1991: at least 30% disadvantaged workers in type B"]
        /// Share of workers who are trainees on work-integration places.
        pub trainee_share: f64,
        ["FTE per trainee", "model choice"]
        /// Output of a trainee relative to a regular worker.
        pub trainee_productivity: f64,
        ["list", "Craig & Pencavel 1992; Burdín & Dean 2009"]
        /// Order in which labour margins are used when demand falls (hours, pay, employees, trainees, members).
        pub adjustment_order: Vec<Margin>,
        ["share of full time", "Burdín & Dean 2009 (hours cuts in Uruguayan co-ops)"]
        /// Lowest hours the kind will go to (1 = never cuts hours).
        pub hours_floor: f64,
        ["share of standard pay", "Pencavel, Pistaferri & Schivardi 2006 (co-op pay volatility)"]
        /// Lowest pay rate the kind will go to (1 = never cuts pay).
        pub pay_floor: f64,
        ["share of full time per month", "model choice"]
        /// Largest change in hours in one month.
        pub hours_step: f64,
        ["share of standard pay per month", "model choice"]
        /// Largest change in the pay rate in one month.
        pub pay_step: f64,
        ["share of target labour", "model choice (adjustment costs imply a band of inaction)"]
        /// Labour within this share of the target is left alone.
        pub adjustment_deadband: f64,
        ["weight", "Oi 1962; Biddle 2014 (labour hoarding); ONS 2008-10: output -6%, employment -2-3%"]
        /// Weight of the latest month in the expectation of demand that sets headcount (the demand
        /// the firm expects to persist); hours and pay follow the faster `expectation_weight`.
        pub headcount_expectation_weight: f64,
        ["share of the sector's normal demand", "Giroud & Mueller 2017, QJE 132(1) (in 2007-09 firms with the balance sheet to carry it cut few jobs when local demand fell); Oi 1962; model choice of the level"]
        /// Fall of the sector's demand below its normal level (its base and trend, shocks
        /// included) that the firm reads as a downturn it expects to pass: in one, a firm that can
        /// carry the cost keeps the workers it would otherwise let go. 1 = never.
        pub downturn_threshold: f64,
        ["share of gap per month", "Hamermesh 1993 (labour demand adjustment speed)"]
        /// Share of the headcount gap closed in one month, once headcount is the margin in use.
        pub headcount_speed: f64,
        ["months of pay", "UK statutory redundancy pay plus notice"]
        /// Cost of letting one worker go.
        pub firing_cost_months: f64,
        ["months of pay", "CIPD recruitment surveys"]
        /// Cost of hiring one worker.
        pub hiring_cost_months: f64,
        ["share of surplus", "Italian law 59/1992 and civil code art. 2545: >= 30% to indivisible reserves"]
        /// Share of each surplus put into indivisible (asset-locked) reserves.
        pub indivisible_reserve_share: f64,
        ["share of surplus", "Italian law 59/1992: 3% of co-op profits to mutual funds"]
        /// Share of each surplus paid as a levy to the co-operative mutual fund.
        pub fund_levy_share: f64,
        ["share of surplus left", "BoE SME finance monitor (dividend payout); co-op rules"]
        /// Share of the rest of a surplus paid out (dividends or member refunds) while reserves are
        /// below their target; the remainder is retained.
        pub payout_share: f64,
        ["months of costs", "MODEL.md 8 (reserves have a purpose and a limit); Pérotin 2006 (co-ops retain more)"]
        /// Reserves (divisible and indivisible) the firm aims to hold; surplus beyond what reaching
        /// it needs is paid out (dividends or refunds), none of it locked or retained.
        pub reserve_target_months: f64,
        ["share of standard pay", "Pencavel, Pistaferri & Schivardi 2006; Italian co-op statutes (members' monthly advances, refunds from surplus)"]
        /// Monthly pay of a worker at full pay rate, as a share of the sector's standard wage (a
        /// co-op's advance on its members' residual claim).
        pub pay_advance_share: f64,
        ["share of payouts", "co-op law: refunds (ristorni) in proportion to work"]
        /// Share of payouts that go to the firm's own workers as refunds, counted as their pay;
        /// the rest goes to outside owners as dividends.
        pub refund_share: f64,
        ["share of divisible reserves per month", "MODEL.md 8: without a lock, leaving members take their share (CECOP 2012)"]
        /// Share of divisible reserves that members who leave a loss-making firm take out each
        /// month it makes a loss; asset-locked reserves cannot be taken.
        pub withdrawal_under_losses_monthly: f64,
        ["multiple", "Ben-Ner 1988, J. Economic Behavior & Organization (co-ops are founded at low rates); calibrated on T11 (a calm economy keeps each kind's employment)"]
        /// Foundings of this kind per firm of the kind in `population.kind_mix`, relative to
        /// conventional firms' (entrants are drawn with weights kind_mix x sector_mix x this).
        pub founding_rate_relative: f64,
        ["share of the sector's", "Pencavel 2013 and Craig & Pencavel 1992 (co-ops hold less capital per worker); Furubotn & Pejovich 1970, Vanek 1977 (the horizon problem)"]
        /// Capital per worker relative to the sector's standard firm; output per worker scales with
        /// it to the power `technology.capital_output_elasticity`.
        pub capital_per_worker_share: f64,
        ["share of assets", "BoE SME Finance Monitor 2011-12 (start-ups' reliance on bank debt); Co-operatives UK start-up guides (members' share capital)"]
        /// Leverage (debt / assets) of a newly founded firm and of an initial firm: conventional
        /// founders borrow, co-op founders pool members' capital.
        pub founding_leverage: f64,
        ["months of costs", "Brüderl & Schüssler 1990 (liability of adolescence: founding resources run out)"]
        /// Cash a new firm is founded with, in months of its planned costs.
        pub founding_cash_months: f64,
        ["per year", "BoE SME Finance Monitor (owners' required returns); Burdín 2014 (members' outside option is a wage, not a return)"]
        /// Return the owners require on what they could take out of the firm (cash and reserves
        /// less debt): below it, and below members' outside pay, they close it.
        pub owners_required_return_annual: f64,
        ["share of standard pay", "Burdín 2014 (members leave when pay falls below their outside wage); Blanchflower & Oswald 1998 (self-employed earnings)"]
        /// Working owners' outside option (members, or the owner-manager): pay per working owner,
        /// as a share of the sector's standard wage, below which they would rather work elsewhere.
        pub owners_outside_pay_share: f64,
        ["weight", "Jovanovic 1982 (firms learn their efficiency from results)"]
        /// Weight of the latest month in the owners' expectation of their income from the firm
        /// (profit plus members' pay); a new firm's expectation starts from its plan, and its
        /// founders weigh results more while it is young (`population.founders_prior_months`).
        pub owner_expectation_weight: f64,
        ["months", "Italian law 59/1992 (indivisible reserves go to the mutual funds on dissolution, so they serve members only while the co-op lasts); calibrated on T9"]
        /// Months over which owners count the firm's locked reserves toward keeping it going: they
        /// add locked reserves / this to their expected income when they weigh closing it.
        pub locked_reserve_horizon_months: f64,
        ["months", "MODEL.md 8 (owners close when profit stays below their outside option for some months)"]
        /// Months the owners' expected income may stay below their outside option before they
        /// close the firm.
        pub closure_patience_months: u32,
        ["probability per owner per month", "ONS Labour Force Survey (self-employed retirement ages); European Commission 2006, Markets for business transfers"]
        /// Hazard that an owner retires (one owner-manager; each member of a co-op).
        pub owner_retirement_monthly: f64,
        ["share of retirements", "European Commission 2006 (about half of owner-managers' firms find a successor); co-op rules (open membership)"]
        /// Share of retirements after which the firm goes on (sold, or a new member takes the
        /// retiring member's place at the hiring cost); the rest close the firm.
        pub succession_share: f64,
        ["months of costs", "model choice"]
        /// Liquidity a firm wants before it pays anything out.
        pub cash_buffer_months: f64,
        ["yes/no", "ICA principle 6 (cooperation among co-operatives)"]
        /// Whether a firm the bank refuses may ask the co-operative mutual fund.
        pub fund_access: bool,
        ["yes/no", "Marcora law 49/1985"]
        /// Whether a failing firm of this kind may be bought out by its workers.
        pub buyout_eligible: bool,
        ["probability per month under pressure", "co-op crisis reports (CECOP 2012)"]
        /// How readily a firm under pressure invests in process or market adaptation.
        pub adaptation_propensity: f64,
        ["share of capacity", "UK Cabinet Office mutuals reports 2011-2013"]
        /// Share of a new firm's capacity sold under one public-service contract.
        pub public_contract_share: f64,
    }
}

params! {
    /// The five kinds' parameter blocks.
    pub struct Kinds / KindsPatch {
        ["block", "MODEL.md 2"]
        /// Conventional SME.
        pub conventional: KindParams,
        ["block", "MODEL.md 2"]
        /// Worker co-op.
        pub worker_coop: KindParams,
        ["block", "MODEL.md 2"]
        /// Social co-op, type A.
        pub social_coop_a: KindParams,
        ["block", "MODEL.md 2"]
        /// Social co-op, type B.
        pub social_coop_b: KindParams,
        ["block", "MODEL.md 2"]
        /// Public-service mutual.
        pub public_service_mutual: KindParams,
    }
}

impl Kinds {
    pub fn get(&self, kind: Kind) -> &KindParams {
        match kind {
            Kind::Conventional => &self.conventional,
            Kind::WorkerCoop => &self.worker_coop,
            Kind::SocialCoopA => &self.social_coop_a,
            Kind::SocialCoopB => &self.social_coop_b,
            Kind::PublicServiceMutual => &self.public_service_mutual,
        }
    }
}

params! {
    /// Tighter credit during the crisis window (MODEL.md 7: Delli Gatti et al.; Riccetti et al.).
    pub struct CreditCrunch / CreditCrunchPatch {
        ["share of assets", "BoE Credit Conditions Survey 2008-09"]
        /// Cut in the maximum leverage the bank lends to, at full crisis intensity.
        pub max_leverage_cut: f64,
        ["per year", "BoE: SME loan spreads rose ~2-3 points 2008-09"]
        /// Rise in the risk spread at full crisis intensity.
        pub spread_rise_annual: f64,
        ["share of loans", "Basel III phase-in; BoE deleveraging"]
        /// Rise in the bank's effective capital requirement at full crisis intensity.
        pub capital_requirement_rise: f64,
        ["per year", "Bank Rate 5% (2008) to 0.5% (2009)"]
        /// Change in the base rate at full crisis intensity (negative = cut).
        pub base_rate_change_annual: f64,
        ["share of the bank's equity at onset", "BoE Financial Stability Reports, October 2008 and June 2009 (write-downs on mortgages, commercial property and securities); a fifth is a scenario choice of the order of the capital the government put into RBS and Lloyds-HBOS in October 2008 (GBP 37 bn; NAO 2009, HC 91)"]
        /// Share of the bank's equity written off, by full crisis intensity, on lending outside the
        /// SME book (mortgages, commercial property, securities): a shock to the bank's capital from
        /// outside the firms of the model, taken as the crisis deepens (MODEL.md 8).
        pub bank_equity_loss: f64,
    }
}

params! {
    /// The credit-crisis shock: demand falls by sector and credit tightens.
    pub struct Crisis / CrisisPatch {
        ["month", "Lehman, September 2008"]
        /// Month the shock starts (0 = first recorded month).
        pub onset_month: u32,
        ["months", "ONS GDP: peak Q1 2008 to trough Q2 2009"]
        /// Months from onset to full depth.
        pub fall_months: u32,
        ["months", "scenario"]
        /// Months from onset until recovery starts.
        pub duration_months: u32,
        ["months", "scenario"]
        /// Months the recovery takes (V and U shapes).
        pub recovery_months: u32,
        ["v, u or l", "scenario"]
        /// Recovery shape.
        pub shape: RecoveryShape,
        ["share of demand", "ONS output by industry 2008-09"]
        /// Fall in each sector's demand at full depth.
        pub depth: SectorShares,
        ["share of outside pay", "Gomes 2012, Labour Economics (UK job-finding rates fell by about a third in 2008-09); ONS unemployment 5.2% to 8.0%"]
        /// Fall in working owners' outside option (the pay they could expect elsewhere, job-finding
        /// risk included) at full crisis intensity.
        pub outside_pay_cut: f64,
        ["share of the standard wage", "ONS Average Weekly Earnings deflated by CPI: real pay fell about 6% from 2008 to 2011 (Gregg, Machin & Fernandez-Salgado 2014, Economic Journal, 'Real wages and unemployment in the big squeeze'; Blundell, Crawford & Jin 2014, Economic Journal)"]
        /// Fall in the market wage, the sector's standard wage every kind's pay is set against, at
        /// full crisis intensity: with jobs scarce, pay falls in real terms (UK 2008-11), so firms
        /// that keep their workers pay them less. Owners' outside option is `outside_pay_cut`'s.
        pub market_pay_cut: f64,
        ["share of the standard wage per month", "ONS: CPI inflation of 3-4% a year against nominal pay growth of 1-2% in 2008-11, so real pay fell by about 2% a year; Bewley 1999 (pay cuts are rare: real pay falls through inflation)"]
        /// Largest move of the market wage in one month, toward where `market_pay_cut` takes it.
        pub market_pay_step: f64,
        ["block", "MODEL.md 3.1"]
        /// The credit crunch that comes with the shock.
        pub credit_crunch: CreditCrunch,
    }
}

params! {
    /// Public-spending cuts: lower social-services demand and cheaper public contracts.
    pub struct Austerity / AusterityPatch {
        ["month", "UK June 2010 budget"]
        /// Month the cuts start.
        pub onset_month: u32,
        ["months", "UK Spending Review 2010 (cuts phased over four years)"]
        /// Months over which the cuts phase in; they are permanent after that.
        pub ramp_months: u32,
        ["share of demand", "IFS: local-authority social care spending"]
        /// Permanent fall in each sector's demand once the cuts are in.
        pub depth: SectorShares,
        ["share of contract value", "Spending Review 2010"]
        /// Cut in the value of public-service contracts renewed once the cuts are in.
        pub contract_value_cut: f64,
    }
}

params! {
    /// The banking system (MODEL.md 7: Delli Gatti et al. 2005, 2010; Riccetti, Russo & Gallegati 2013).
    pub struct BankParams / BankParamsPatch {
        ["share of loans", "Basel II minimum total capital"]
        /// Capital requirement: total loans <= equity / requirement.
        pub capital_requirement: f64,
        ["share of loans", "UK banks' capital ratios 2007"]
        /// Bank equity relative to loans at the start; above it, profits are paid out.
        pub target_equity_to_loans: f64,
        ["share of excess per month", "model choice"]
        /// Share of equity above target paid out to households each month.
        pub payout_speed: f64,
        ["per year", "Bank Rate 2008"]
        /// Base rate before the crisis.
        pub base_rate_annual: f64,
        ["per year", "BoE SME lending spreads"]
        /// Risk spread on a loan at leverage 1.
        pub spread_annual: f64,
        ["exponent", "Riccetti, Russo & Gallegati 2013"]
        /// Curvature theta of the leverage-based spread.
        pub leverage_exponent: f64,
        ["share of assets", "BoE SME finance monitor"]
        /// Maximum post-loan leverage the bank accepts in normal times.
        pub max_leverage: f64,
        ["share of uncovered debt", "Franks & Sussman 2005 (UK SME recovery rates)"]
        /// Share of a defaulted loan the bank recovers beyond the firm's liquid assets.
        pub recovery_share: f64,
        ["share of divisible reserves", "MODEL.md 8 (locked reserves are permanent equity; members may withdraw divisible ones); Basel III: only permanent capital counts as CET1"]
        /// Share of a firm's divisible reserves the bank leaves out of its assets when it judges the
        /// firm's leverage for a loan (members may withdraw them); locked reserves count in full.
        pub divisible_reserve_haircut: f64,
        ["months", "BoE SME finance monitor: blend of term loans and commercial mortgages"]
        /// Term over which loans amortise.
        pub loan_term_months: u32,
        ["months of costs", "model choice"]
        /// Liquidity a firm asks for on top of its shortfall when it borrows.
        pub loan_buffer_months: f64,
    }
}

params! {
    /// The co-operative mutual fund (ICA principle 6; Italian law 59/1992 fondi mutualistici).
    pub struct FundParams / FundParamsPatch {
        ["GBP thousand per co-op with access", "Coopfond annual reports (scaled)"]
        /// Fund balance at the start, per firm entitled to borrow from it.
        pub initial_balance_per_member: f64,
        ["per year", "Coopfond lending rates"]
        /// Interest rate on fund loans.
        pub loan_rate_annual: f64,
        ["months of costs", "model choice"]
        /// Largest loan to one co-op.
        pub max_loan_months: f64,
        ["share of assets", "model choice: the fund lends deeper than the bank"]
        /// Maximum post-loan leverage the fund accepts.
        pub max_leverage: f64,
        ["months", "Coopfond"]
        /// Term over which fund loans amortise.
        pub loan_term_months: u32,
        ["yes/no", "Coopfond and CFI (Italy) lend on an assessed business plan, not to cover the losses of a firm that cannot pay its way"]
        /// Whether the fund lends only to a co-op whose business is viable: at its own productivity, working at full capacity, its members would earn at least their outside pay in normal times.
        pub viability_test: bool,
    }
}

params! {
    /// Credit-guarantee scheme (UK Enterprise Finance Guarantee, 2009).
    pub struct CreditGuarantee / CreditGuaranteePatch {
        ["share of each new loan", "EFG covered 75%"]
        /// Share of each new bank loan the government guarantees (0 = no scheme).
        pub coverage: f64,
        ["per year on guaranteed debt", "EFG premium 2%"]
        /// Fee the firm pays the government on guaranteed debt.
        pub fee_annual: f64,
        ["share of assets", "model choice"]
        /// Highest leverage at which a fully guaranteed loan would still be made.
        pub max_leverage: f64,
        ["month", "EFG launched January 2009"]
        /// First month new loans are guaranteed.
        pub start_month: u32,
    }
}

params! {
    /// Capital and adaptation (MODEL.md 3.3): how firms' physical capital and productivity move.
    pub struct Technology / TechnologyPatch {
        ["share per month", "model choice: premises and equipment let go when idle"]
        /// Share of idle capital scrapped each month (capital above `idle_capital_tolerance` times what the workforce uses).
        pub capital_scrap_monthly: f64,
        ["multiple of capital in use", "model choice"]
        /// Capital a firm keeps without scrapping, relative to what its full-time workforce uses.
        pub idle_capital_tolerance: f64,
        ["months of fixed costs", "co-op crisis reports (CECOP 2012): investment in adaptation"]
        /// Cost of one attempt at process or market adaptation.
        pub adaptation_cost_months: f64,
        ["probability", "model choice"]
        /// Chance an adaptation attempt succeeds.
        pub adaptation_success_probability: f64,
        ["share", "model choice"]
        /// Rise in productivity (process) or demand weight (market) when it succeeds.
        pub adaptation_gain: f64,
        ["elasticity", "ONS national accounts: capital's share of income about 0.3 (Cobb-Douglas)"]
        /// Elasticity of output per worker with respect to capital per worker, across kinds that
        /// hold different amounts of capital per worker.
        pub capital_output_elasticity: f64,
    }
}

params! {
    /// Worker-buyout support (Italian Marcora law: unemployment benefits advanced as capital).
    pub struct WorkerBuyout / WorkerBuyoutPatch {
        ["probability", "CFI / Marcora buyout statistics"]
        /// Chance that a failing eligible firm is converted into a worker co-op (0 = no support).
        pub probability: f64,
        ["share of workers", "Vieta 2015 (worker buyouts in Italy)"]
        /// Share of the failing firm's workers who join the buyout as members.
        pub member_share: f64,
        ["kind", "Marcora law: buyouts form worker co-ops"]
        /// The kind a bought-out firm becomes.
        pub into_kind: Kind,
        ["months of pay per member", "Marcora law: benefits paid as a lump sum"]
        /// Capital the government advances per member.
        pub capital_months: f64,
    }
}

params! {
    /// Short-time-work subsidy (German Kurzarbeit; UK furlough later).
    pub struct ShortTimeWork / ShortTimeWorkPatch {
        ["share of full time", "Kurzarbeit rules"]
        /// Lowest subsidised hours; 1 = no scheme. Any firm may then cut hours to this floor first.
        pub hours_floor: f64,
        ["share of lost pay", "Kurzarbeit: 60-67% of lost net pay"]
        /// Share of the pay lost to shorter hours that the government pays the workers.
        pub replacement_rate: f64,
    }
}

params! {
    /// Public-service contracts (the 2010 UK "right to provide").
    pub struct PublicContracts / PublicContractsPatch {
        ["months", "UK public-service contract terms"]
        /// Length of a contract.
        pub length_months: u32,
        ["probability", "scenario"]
        /// Chance a contract is renewed when it ends.
        pub renewal_probability: f64,
        ["share of contract value", "payment-by-results contracts"]
        /// Share of the payment that depends on results.
        pub results_share: f64,
        ["sd", "model choice"]
        /// Noise in measured results.
        pub results_noise: f64,
        ["weight", "UK right to provide: lost contracts are re-tendered (Cabinet Office mutuals reports 2011-2013); model choice"]
        /// Who wins a public service back on tender (a contract not renewed, or one whose provider
        /// closed): each firm of its sector holding no contract, of a kind with a weight and a
        /// `public_contract_share`, wins with a chance proportional to its kind's weight and takes
        /// on that share of its capacity; the rest goes to the next winner or waits for one, and
        /// new providers of such kinds take on services waiting on tender (all 0: services on
        /// tender leave the model).
        pub relet_to: KindShares,
    }
}

params! {
    /// Government levers.
    pub struct Policy / PolicyPatch {
        ["block", "MODEL.md 2"]
        /// Credit-guarantee scheme.
        pub credit_guarantee: CreditGuarantee,
        ["block", "MODEL.md 2"]
        /// Worker-buyout support.
        pub worker_buyout: WorkerBuyout,
        ["block", "MODEL.md 2"]
        /// Short-time-work subsidy.
        pub short_time_work: ShortTimeWork,
        ["block", "MODEL.md 2"]
        /// Public-service contracts.
        pub public_contracts: PublicContracts,
        ["share of trainee pay", "Italian law 381/1991: social-security relief for disadvantaged workers"]
        /// Share of trainees' pay the government covers.
        pub trainee_wage_subsidy: f64,
    }
}

params! {
    /// A complete scenario.
    pub struct Scenario / ScenarioPatch {
        ["text", "scenario"]
        /// Scenario name: the results folder (output/<name>) and the label of tables and charts; letters, digits, spaces and `_ - . ( ) + ,`. Defaults to the file name.
        pub name: String,
        ["text", "scenario"]
        /// What the scenario stands for.
        pub description: String,
        ["integer", "scenario"]
        /// Master seed: replication r of firm f draws from a stream keyed by (seed, r, f).
        pub seed: u64,
        ["count", "scenario"]
        /// Monte Carlo replications.
        pub replications: u32,
        ["months", "MODEL.md 2"]
        /// Recorded horizon.
        pub months: u32,
        ["months", "burn-in practice in ABMs; length read on T11 (docs/MODEL.md 10)"]
        /// Months simulated before month 0 and not recorded, so that the population has settled into its steady state (balance sheets, hours, sizes and productivity reflect each kind's rules and a generation of exits and entries, not the initial conditions) before anything is measured.
        pub warmup_months: u32,
        ["calendar month YYYY-MM", "scenario"]
        /// Calendar month of recorded month 0, the first month after the warm-up, e.g. "2005-09": charts, tables and the report then label months by date (data files keep month numbers). Unset: months are numbered.
        pub start: Start,
        ["weight", "model choice (MODEL.md 7: adaptive expectations)"]
        /// Smoothing of expected demand: weight of the latest month (adaptive expectations).
        pub expectation_weight: f64,
        ["block", "MODEL.md 2"]
        /// Population and demography.
        pub population: Population,
        ["block", "MODEL.md 2"]
        /// Sectors.
        pub sectors: Sectors,
        ["block", "MODEL.md 2"]
        /// Kinds.
        pub kinds: Kinds,
        ["block", "MODEL.md 3.1"]
        /// The credit-crisis shock.
        pub crisis: Crisis,
        ["block", "MODEL.md 3.1"]
        /// Public-spending cuts.
        pub austerity: Austerity,
        ["block", "MODEL.md 3.3"]
        /// Capital and adaptation.
        pub technology: Technology,
        ["block", "MODEL.md 7"]
        /// Banking system.
        pub bank: BankParams,
        ["block", "MODEL.md 2"]
        /// Co-operative mutual fund.
        pub fund: FundParams,
        ["block", "MODEL.md 2"]
        /// Government levers.
        pub policy: Policy,
        ["block", "coopsim sweep"]
        /// Parameter sweep (used only by `coopsim sweep`).
        pub sweep: Sweep,
        ["block", "coopsim sensitivity"]
        /// Global sensitivity analysis (used only by `coopsim sensitivity`).
        pub sensitivity: Sensitivity,
    }
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: String::new(),
            description: String::new(),
            seed: 2008,
            replications: 100,
            months: 120,
            warmup_months: 240,
            start: Start::default(),
            expectation_weight: 0.3,
            population: Population {
                firms: 3000,
                kind_mix: KindShares {
                    conventional: 0.70,
                    worker_coop: 0.15,
                    social_coop_a: 0.06,
                    social_coop_b: 0.05,
                    public_service_mutual: 0.04,
                },
                initial_heads_median: 6.0,
                initial_heads_sigma: 1.0,
                entrant_heads_median: 4.0,
                volatility_size_exponent: 0.2,
                entrant_productivity_sigma: 0.2,
                entrant_demand_sigma: 0.0,
                initial_age_mean_months: 96.0,
                entry_rate_monthly: 0.007,
                entry_demand_elasticity: 0.5,
                background_exit_monthly: 0.001,
                newness_multiplier: 0.0,
                newness_months: 24.0,
                negative_equity_months: 6,
                arrears_limit_months: 0.5,
                founders_prior_months: 12.0,
            },
            sectors: Sectors {
                social_services: SectorParams {
                    wage_monthly: 1.7,
                    labour_share: 0.72,
                    fixed_cost_share: 0.18,
                    capital_months: 4.0,
                    demand_volatility: 0.01,
                    ..SectorParams::common()
                },
                manufacturing: SectorParams {
                    wage_monthly: 2.5,
                    labour_share: 0.52,
                    fixed_cost_share: 0.36,
                    capital_months: 12.0,
                    demand_volatility: 0.02,
                    ..SectorParams::common()
                },
                construction: SectorParams {
                    wage_monthly: 2.4,
                    labour_share: 0.58,
                    fixed_cost_share: 0.31,
                    capital_months: 6.0,
                    demand_volatility: 0.03,
                    ..SectorParams::common()
                },
                retail_hospitality: SectorParams {
                    wage_monthly: 1.5,
                    labour_share: 0.55,
                    fixed_cost_share: 0.35,
                    capital_months: 6.0,
                    demand_volatility: 0.02,
                    ..SectorParams::common()
                },
            },
            kinds: Kinds {
                conventional: KindParams::conventional(),
                worker_coop: KindParams::worker_coop(),
                social_coop_a: KindParams::social_coop_a(),
                social_coop_b: KindParams::social_coop_b(),
                public_service_mutual: KindParams::public_service_mutual(),
            },
            crisis: Crisis {
                onset_month: 36,
                fall_months: 6,
                duration_months: 18,
                recovery_months: 24,
                shape: RecoveryShape::U,
                depth: SectorShares {
                    social_services: 0.0,
                    manufacturing: 0.14,
                    construction: 0.16,
                    retail_hospitality: 0.04,
                },
                outside_pay_cut: 0.3,
                market_pay_cut: 0.06,
                market_pay_step: 0.002,
                credit_crunch: CreditCrunch {
                    max_leverage_cut: 0.15,
                    spread_rise_annual: 0.025,
                    capital_requirement_rise: 0.015,
                    base_rate_change_annual: -0.045,
                    bank_equity_loss: 0.2,
                },
            },
            austerity: Austerity {
                onset_month: 57,
                ramp_months: 36,
                depth: SectorShares {
                    social_services: 0.08,
                    manufacturing: 0.0,
                    construction: 0.03,
                    retail_hospitality: 0.0,
                },
                contract_value_cut: 0.15,
            },
            technology: Technology {
                capital_scrap_monthly: 0.01,
                idle_capital_tolerance: 1.25,
                adaptation_cost_months: 1.0,
                adaptation_success_probability: 0.5,
                adaptation_gain: 0.05,
                capital_output_elasticity: 0.3,
            },
            bank: BankParams {
                capital_requirement: 0.08,
                target_equity_to_loans: 0.12,
                payout_speed: 0.1,
                base_rate_annual: 0.05,
                spread_annual: 0.04,
                leverage_exponent: 1.5,
                max_leverage: 0.8,
                recovery_share: 0.4,
                divisible_reserve_haircut: 0.5,
                loan_term_months: 120,
                loan_buffer_months: 0.5,
            },
            fund: FundParams {
                initial_balance_per_member: 15.0,
                loan_rate_annual: 0.02,
                max_loan_months: 3.0,
                max_leverage: 0.95,
                loan_term_months: 36,
                viability_test: true,
            },
            policy: Policy {
                credit_guarantee: CreditGuarantee {
                    coverage: 0.0,
                    fee_annual: 0.02,
                    max_leverage: 0.95,
                    start_month: 0,
                },
                worker_buyout: WorkerBuyout {
                    probability: 0.0,
                    member_share: 0.6,
                    into_kind: Kind::WorkerCoop,
                    capital_months: 12.0,
                },
                short_time_work: ShortTimeWork {
                    hours_floor: 1.0,
                    replacement_rate: 0.6,
                },
                public_contracts: PublicContracts {
                    length_months: 48,
                    renewal_probability: 0.85,
                    results_share: 0.2,
                    results_noise: 0.1,
                    relet_to: KindShares {
                        conventional: 0.0,
                        worker_coop: 0.0,
                        social_coop_a: 1.0,
                        social_coop_b: 1.0,
                        public_service_mutual: 1.0,
                    },
                },
                trainee_wage_subsidy: 0.3,
            },
            sweep: Sweep {
                design: SweepDesign::Grid,
                vary: Vec::new(),
            },
            sensitivity: Sensitivity {
                method: SensitivityMethod::Morris,
                samples: 0,
                levels: 4,
                vary: Vec::new(),
                outcomes: Vec::new(),
            },
        }
    }
}

impl SectorParams {
    /// Values shared by all sectors unless a sector's default says otherwise.
    fn common() -> Self {
        SectorParams {
            wage_monthly: 2.0,
            labour_share: 0.6,
            fixed_cost_share: 0.3,
            capital_months: 12.0,
            productivity_sigma: 0.15,
            demand_trend_annual: 0.0,
            demand_volatility: 0.02,
            demand_persistence: 0.8,
            firm_demand_volatility: 0.08,
            share_drift: 0.03,
        }
    }
}

impl KindParams {
    /// The investor-owned SME: adjusts headcount, pays out most of its surplus.
    pub fn conventional() -> Self {
        KindParams {
            sector_mix: SectorShares {
                social_services: 0.15,
                manufacturing: 0.25,
                construction: 0.25,
                retail_hospitality: 0.35,
            },
            member_share: 0.0,
            trainee_share: 0.0,
            trainee_productivity: 0.7,
            adjustment_order: vec![Margin::Employees],
            hours_floor: 1.0,
            pay_floor: 1.0,
            hours_step: 0.1,
            pay_step: 0.03,
            adjustment_deadband: 0.05,
            downturn_threshold: 0.05,
            headcount_expectation_weight: 0.03,
            headcount_speed: 0.3,
            firing_cost_months: 2.0,
            hiring_cost_months: 1.0,
            indivisible_reserve_share: 0.0,
            fund_levy_share: 0.0,
            payout_share: 0.7,
            reserve_target_months: 1.0,
            pay_advance_share: 1.0,
            refund_share: 0.0,
            withdrawal_under_losses_monthly: 0.0,
            founding_rate_relative: 1.0,
            capital_per_worker_share: 1.0,
            founding_leverage: 0.45,
            founding_cash_months: 5.5,
            owners_required_return_annual: 0.08,
            owners_outside_pay_share: 0.7,
            owner_expectation_weight: 0.04,
            locked_reserve_horizon_months: 60.0,
            closure_patience_months: 6,
            owner_retirement_monthly: 0.004,
            succession_share: 0.5,
            cash_buffer_months: 1.0,
            fund_access: false,
            buyout_eligible: true,
            adaptation_propensity: 0.05,
            public_contract_share: 0.0,
        }
    }

    /// The worker co-op: hours and pay before headcount; 30% to indivisible reserves, 3% levy.
    pub fn worker_coop() -> Self {
        KindParams {
            sector_mix: SectorShares {
                social_services: 0.10,
                manufacturing: 0.35,
                construction: 0.30,
                retail_hospitality: 0.25,
            },
            member_share: 0.8,
            adjustment_order: vec![
                Margin::Hours,
                Margin::Pay,
                Margin::Employees,
                Margin::Members,
            ],
            hours_floor: 0.7,
            pay_floor: 0.8,
            indivisible_reserve_share: 0.3,
            fund_levy_share: 0.03,
            payout_share: 0.4,
            reserve_target_months: 4.0,
            pay_advance_share: 0.85,
            refund_share: 1.0,
            withdrawal_under_losses_monthly: 0.2,
            founding_rate_relative: 0.69,
            capital_per_worker_share: 0.6,
            founding_leverage: 0.25,
            founding_cash_months: 3.0,
            owners_required_return_annual: 0.0,
            owner_retirement_monthly: 0.003,
            succession_share: 1.0,
            fund_access: true,
            buyout_eligible: false,
            ..Self::conventional()
        }
    }

    /// Social co-op type A (care services): multi-stakeholder board, larger asset lock, some contracts.
    pub fn social_coop_a() -> Self {
        KindParams {
            sector_mix: SectorShares {
                social_services: 1.0,
                manufacturing: 0.0,
                construction: 0.0,
                retail_hospitality: 0.0,
            },
            member_share: 0.6,
            hours_floor: 0.8,
            pay_floor: 0.85,
            indivisible_reserve_share: 0.6,
            payout_share: 0.1,
            public_contract_share: 0.4,
            founding_rate_relative: 0.78,
            ..Self::worker_coop()
        }
    }

    /// Social co-op type B (work integration): trainees are the mission, so they go last.
    pub fn social_coop_b() -> Self {
        KindParams {
            sector_mix: SectorShares {
                social_services: 0.3,
                manufacturing: 0.3,
                construction: 0.1,
                retail_hospitality: 0.3,
            },
            member_share: 0.5,
            trainee_share: 0.3,
            adjustment_order: vec![
                Margin::Hours,
                Margin::Pay,
                Margin::Employees,
                Margin::Members,
                Margin::Trainees,
            ],
            public_contract_share: 0.1,
            founding_rate_relative: 0.77,
            ..Self::social_coop_a()
        }
    }

    /// Public-service mutual: employee-owned, one public customer, asset-locked.
    pub fn public_service_mutual() -> Self {
        KindParams {
            sector_mix: SectorShares {
                social_services: 1.0,
                manufacturing: 0.0,
                construction: 0.0,
                retail_hospitality: 0.0,
            },
            member_share: 0.9,
            indivisible_reserve_share: 0.5,
            fund_levy_share: 0.0,
            payout_share: 0.2,
            reserve_target_months: 3.0,
            fund_access: false,
            public_contract_share: 0.85,
            founding_rate_relative: 0.84,
            ..Self::social_coop_a()
        }
    }
}
