//! Realistic sample certificates for demos, examples, tests and benchmarks:
//! Beijing business licenses (营业执照) and real-estate title certificates
//! (不动产权证书) with valid check characters (USCC per GB 32100-2015, the
//! organization code inside it per GB 11714, resident ID numbers per
//! ISO 7064 MOD 11-2) and unit numbers with the GB/T 37346 structure.
//!
//! The data is made up and deterministic: the same index always gives the
//! same certificate.
//!
//! ```
//! use certanchor::sample;
//! let lic = sample::business_license(7);
//! assert_eq!(lic.kind, "business_license");
//! assert_eq!(lic, sample::business_license(7));
//! let title = sample::real_estate_title(7);
//! assert!(title.id.starts_with("京("));
//! ```

use std::collections::BTreeMap;

use crate::Certificate;
use crate::cbor::Value;
use crate::schema::{resident_id_check_char, uscc_check_char};

/// 2024-01-01T00:00:00Z.
pub const JAN_1_2024: u64 = 1_704_067_200;

const DISTRICTS: [(&str, &str, &str); 10] = [
    ("110105", "朝阳区", "建国路"),
    ("110108", "海淀区", "中关村大街"),
    ("110101", "东城区", "东直门南大街"),
    ("110102", "西城区", "金融大街"),
    ("110106", "丰台区", "丰台北路"),
    ("110107", "石景山区", "石景山路"),
    ("110112", "通州区", "新华大街"),
    ("110114", "昌平区", "回龙观西大街"),
    ("110115", "大兴区", "兴华大街"),
    ("110113", "顺义区", "府前中街"),
];
const SURNAMES: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: [&str; 12] = [
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "晓明",
];
const WORDS: [&str; 10] = [
    "华信", "京通", "智联", "瑞丰", "鼎盛", "恒远", "博雅", "中科", "金泰", "安和",
];
const INDUSTRIES: [(&str, &str); 5] = [
    ("科技", "技术开发、技术咨询、技术服务；软件开发；数据处理"),
    ("商贸", "销售日用品、电子产品；货物进出口"),
    ("餐饮管理", "餐饮服务；餐饮管理；食品经营"),
    ("建筑工程", "施工总承包；专业承包；工程管理服务"),
    ("文化传媒", "组织文化艺术交流活动；广告设计、代理"),
];

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ 0x1234_5678)
    }
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn pick<T: Copy + Default>(&mut self, xs: &[T]) -> T {
        let i = usize::try_from(self.below(xs.len() as u64)).unwrap_or(0);
        xs.get(i).copied().unwrap_or_default()
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + (self.below(10) as u8)))
            .collect()
    }
}

fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

fn name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(&SURNAMES), rng.pick(&GIVEN))
}

/// GB 11714 organization code check character for 8 digits.
fn org_code_check(first8: &str) -> char {
    const W: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = first8
        .chars()
        .zip(W)
        .map(|(c, w)| c.to_digit(36).unwrap_or(0) * w)
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('0'),
    }
}

/// A valid 18-character unified social credit code for an enterprise in `division`.
#[must_use]
pub fn uscc(division: &str, seed: u64) -> String {
    // a bijection on 0..10^8 (48271 is coprime with 10^8): distinct seeds
    // below 10^8 give distinct codes
    let org8 = format!(
        "{:08}",
        (seed % 100_000_000)
            .wrapping_mul(48_271)
            .wrapping_add(12_345)
            % 100_000_000
    );
    let first17 = format!("91{division}{org8}{}", org_code_check(&org8));
    let check = uscc_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// A valid 18-digit resident ID number born in `division`.
#[must_use]
pub fn resident_id(division: &str, seed: u64) -> String {
    let mut rng = Rng::new(seed ^ 0x5249_4344);
    let year = 1950 + rng.below(50);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let first17 = format!("{division}{year:04}{month:02}{day:02}{}", rng.digits(3));
    let check = resident_id_check_char(&first17).unwrap_or('0');
    format!("{first17}{check}")
}

/// A business license (营业执照) issued in a Beijing district.
#[must_use]
pub fn business_license(i: u64) -> Certificate {
    let mut rng = Rng::new(i);
    let (code, district, road) = rng.pick(&DISTRICTS);
    let (industry, scope) = rng.pick(&INDUSTRIES);
    let uscc = uscc(code, i);
    let year = 2005 + rng.below(19);
    let month = 1 + rng.below(12);
    let day = 1 + rng.below(28);
    let capital = (1 + rng.below(500)) * 100_000;
    let fields = BTreeMap::from([
        ("uscc".to_owned(), text(uscc.clone())),
        (
            "name".to_owned(),
            text(format!("北京{}{industry}有限公司", rng.pick(&WORDS))),
        ),
        (
            "entity_type".to_owned(),
            text("有限责任公司(自然人投资或控股)"),
        ),
        ("legal_representative".to_owned(), text(name(&mut rng))),
        (
            "registered_capital".to_owned(),
            Value::Map(BTreeMap::from([
                ("amount".to_owned(), text(format!("{capital}.00"))),
                ("currency".to_owned(), text("CNY")),
            ])),
        ),
        (
            "established_on".to_owned(),
            text(format!("{year:04}-{month:02}-{day:02}")),
        ),
        (
            "business_term_until".to_owned(),
            if rng.below(3) == 0 {
                Value::Null
            } else {
                text(format!("{:04}-{month:02}-{day:02}", year + 30))
            },
        ),
        (
            "domicile".to_owned(),
            text(format!(
                "北京市{district}{road}{}号{}层{}",
                1 + rng.below(200),
                1 + rng.below(30),
                100 + rng.below(900)
            )),
        ),
        ("business_scope".to_owned(), text(scope)),
        (
            "registration_authority".to_owned(),
            text(format!("北京市{district}市场监督管理局")),
        ),
    ]);
    Certificate {
        id: uscc,
        kind: "business_license".into(),
        valid_from: JAN_1_2024,
        valid_until: None,
        fields,
    }
}

/// A real-estate title certificate (不动产权证书) for a flat in a Beijing district.
#[must_use]
pub fn real_estate_title(i: u64) -> Certificate {
    let mut rng = Rng::new(i ^ 0xdead_beef);
    let (code, district, road) = rng.pick(&DISTRICTS);
    let number = format!("京(2024){district}不动产权第{:07}号", i % 10_000_000);
    let cadastral = format!("{:03}{:03}", 1 + rng.below(20), 1 + rng.below(30));
    let building = 1 + rng.below(40);
    let floor = 1 + rng.below(30);
    let room = floor * 100 + 1 + rng.below(8);
    let unit_number = format!(
        "{code}{cadastral}GB{:05}F{building:04}{room:04}",
        1 + rng.below(99_999)
    );
    let holder_seed = i.wrapping_mul(31);
    let mut holders = vec![Value::Map(BTreeMap::from([
        ("name".to_owned(), text(name(&mut rng))),
        ("id_type".to_owned(), text("resident_id")),
        ("id_number".to_owned(), text(resident_id(code, holder_seed))),
    ]))];
    let joint = rng.below(3) == 0;
    if joint {
        holders.push(Value::Map(BTreeMap::from([
            ("name".to_owned(), text(name(&mut rng))),
            ("id_type".to_owned(), text("resident_id")),
            (
                "id_number".to_owned(),
                text(resident_id(code, holder_seed + 1)),
            ),
        ])));
    }
    let area = 40 + rng.below(120);
    let cents = rng.below(100);
    let mut encumbrances = Vec::new();
    if rng.below(2) == 0 {
        encumbrances.push(Value::Map(BTreeMap::from([
            ("type".to_owned(), text("mortgage")),
            (
                "registration_number".to_owned(),
                text(format!(
                    "京(2024){district}不动产证明第{:07}号",
                    rng.below(10_000_000)
                )),
            ),
            (
                "registered_on".to_owned(),
                text(format!(
                    "2024-{:02}-{:02}",
                    1 + rng.below(12),
                    1 + rng.below(28)
                )),
            ),
        ])));
    }
    let fields = BTreeMap::from([
        ("certificate_number".to_owned(), text(number.clone())),
        ("unit_number".to_owned(), text(unit_number)),
        ("right_holders".to_owned(), Value::Array(holders)),
        (
            "co_ownership".to_owned(),
            text(if joint {
                "共同共有"
            } else {
                "单独所有"
            }),
        ),
        (
            "location".to_owned(),
            text(format!(
                "{district}{road}{}号院{building}号楼{floor}层{room}",
                1 + rng.below(200)
            )),
        ),
        (
            "right_type".to_owned(),
            text("国有建设用地使用权/房屋所有权"),
        ),
        ("right_nature".to_owned(), text("出让/市场化商品房")),
        ("usage".to_owned(), text("城镇住宅用地/住宅")),
        (
            "land_area_m2".to_owned(),
            text(format!("{}.{:02}", area / 4, cents)),
        ),
        (
            "building_area_m2".to_owned(),
            text(format!("{area}.{cents:02}")),
        ),
        (
            "term_until".to_owned(),
            text(format!("{}-06-30", 2070 + rng.below(20))),
        ),
        ("encumbrances".to_owned(), Value::Array(encumbrances)),
    ]);
    Certificate {
        id: number,
        kind: "real_estate_title".into(),
        valid_from: JAN_1_2024,
        valid_until: None,
        fields,
    }
}

/// One authority of the demo city: id, display name, the kinds it issues,
/// and a demo key derived from a fixed seed (never use such keys for real).
#[derive(Debug, Clone)]
pub struct DemoAuthority {
    /// Issuer id.
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Kinds it may issue (empty for departments that only endorse).
    pub kinds: &'static [&'static str],
    /// Its demo signing key.
    pub key: crate::keys::SigningKey,
}

/// The demo city's authorities: the land registry and the market regulator
/// issue; tax, housing and public security endorse.
#[must_use]
pub fn demo_authorities() -> Vec<DemoAuthority> {
    let a = |n: u8, id, name, kinds| DemoAuthority {
        id,
        name,
        kinds,
        key: crate::keys::SigningKey::from_seed(&[n; 32]),
    };
    vec![
        a(
            0x11,
            "cn.beijing.ghzrzyw",
            "北京市规划和自然资源委员会",
            &["real_estate_title"],
        ),
        a(
            0x12,
            "cn.beijing.scjgj",
            "北京市市场监督管理局",
            &["business_license"],
        ),
        a(0x13, "cn.beijing.tax", "国家税务总局北京市税务局", &[]),
        a(0x14, "cn.beijing.zjw", "北京市住房和城乡建设委员会", &[]),
        a(0x15, "cn.beijing.gaj", "北京市公安局", &[]),
    ]
}

/// The demo trust store: every demo authority with its key valid from
/// 2024-01-01, titles needing one endorsement from tax or housing, licenses
/// one from tax or public security, and optionally a trusted ledger.
#[must_use]
pub fn demo_trust_doc(
    ledger: Option<(&str, &crate::keys::PublicKey)>,
) -> crate::trust::TrustStoreDoc {
    use crate::trust::{
        EndorsementPolicy, IssuerEntry, KeyEntry, LedgerEntry, PolicyEntry, TrustStoreDoc,
    };
    TrustStoreDoc {
        version: 1,
        issuers: demo_authorities()
            .into_iter()
            .map(|a| IssuerEntry {
                id: a.id.into(),
                name: a.name.into(),
                kinds: a.kinds.iter().map(|k| (*k).to_owned()).collect(),
                keys: vec![KeyEntry {
                    public_key: a.key.public_key().to_base64(),
                    not_before: "2024-01-01T00:00:00Z".into(),
                    not_after: None,
                    revoked_at: None,
                }],
            })
            .collect(),
        policies: vec![
            PolicyEntry {
                kind: "real_estate_title".into(),
                endorsements: Some(EndorsementPolicy {
                    from: vec!["cn.beijing.tax".into(), "cn.beijing.zjw".into()],
                    at_least: 1,
                }),
                require_status: false,
                status_purposes: None,
                max_status_ttl: None,
                require_ledger: false,
            },
            PolicyEntry {
                kind: "business_license".into(),
                endorsements: Some(EndorsementPolicy {
                    from: vec!["cn.beijing.tax".into(), "cn.beijing.gaj".into()],
                    at_least: 1,
                }),
                require_status: false,
                status_purposes: None,
                max_status_ttl: None,
                require_ledger: false,
            },
        ],
        ledgers: ledger
            .map(|(origin, key)| LedgerEntry {
                origin: origin.into(),
                public_key: key.to_base64(),
                witnesses: Vec::new(),
                quorum: None,
                max_age: None,
                url: None,
            })
            .into_iter()
            .collect(),
        chains: Vec::new(),
    }
}
