//! Place tables: Dutch and Belgian cities with postcode ranges, telephone area codes and
//! rough population weights; street names per language; e-mail domains; shop chains; bank
//! codes and network-equipment vendor prefixes.

use std::sync::OnceLock;

use crate::Country;
use crate::names::split;

/// `name[;alias]:first-last postcode:area code:weight` (area code without trunk prefix).
const NL_CITIES: &str = "Amsterdam:1011-1109:20:93|Rotterdam:3011-3089:10:66|\
Den Haag;'s-Gravenhage:2491-2599:70:56|Utrecht:3511-3585:30:37|Eindhoven:5611-5658:40:24|\
Groningen:9711-9747:50:24|Tilburg:5011-5049:13:23|Almere:1311-1364:36:22|Breda:4811-4841:76:19|\
Nijmegen:6511-6546:24:18|Apeldoorn:7311-7339:55:17|Arnhem:6811-6846:26:16|Haarlem:2011-2037:23:16|\
Enschede:7511-7548:53:16|Amersfoort:3811-3829:33:16|Zaandam:1501-1509:75:15|\
's-Hertogenbosch;Den Bosch:5211-5248:73:16|Zwolle:8011-8043:38:13|Leiden:2311-2334:71:13|\
Maastricht:6211-6229:43:12|Dordrecht:3311-3329:78:12|Zoetermeer:2711-2729:79:13|\
Delft:2611-2629:15:10|Alkmaar:1811-1829:72:11|Leeuwarden:8911-8939:58:13|Deventer:7411-7429:570:10|\
Venlo:5911-5935:77:10|Hilversum:1211-1223:35:9|Heerlen:6411-6422:45:9|Hengelo:7551-7559:74:8|\
Amstelveen:1181-1189:20:9|Purmerend:1441-1448:299:8|Gouda:2801-2809:182:7|\
Roosendaal:4701-4709:165:8|Oss:5341-5349:412:9|Helmond:5701-5709:492:9|Sittard:6131-6137:46:9|\
Emmen:7811-7827:591:10|Assen:9401-9411:592:7|Middelburg:4331-4339:118:5|Vlissingen:4381-4389:118:4|\
Bergen op Zoom:4611-4625:164:7|Ede:6711-6718:318:12|Veenendaal:3901-3907:318:7|\
Harderwijk:3841-3849:341:5|Den Helder:1781-1789:223:6|Hoorn:1621-1628:229:7|Schiedam:3111-3125:10:8|\
Vlaardingen:3131-3138:10:7|Capelle aan den IJssel:2901-2909:10:7|Nieuwegein:3431-3439:30:6|\
Katwijk:2221-2225:71:7|Sneek:8601-8608:515:3|Terneuzen:4531-4538:115:5|\
Sint-Michielsgestel:5271-5272:73:3|Ouderkerk aan de Amstel:1191-1191:20:1";

/// `name[;alias]:postcodes:zone:language (n, f or b = bilingual):weight`.
const BE_CITIES: &str = "Brussel;Bruxelles:1000,1020,1040,1050,1060,1080,1090,1120,1130,1140,\
1150,1160,1170,1180,1190,1200,1210:2:b:95|Schaerbeek;Schaarbeek:1030:2:b:13|Anderlecht:1070:2:b:12|\
Antwerpen;Anvers:2000,2018,2020,2030,2040,2050,2060,2100,2140,2170,2180,2600,2610,2660:3:n:53|\
Gent;Gand:9000,9030,9031,9032,9040,9041,9042,9050,9051,9052:9:n:26|\
Charleroi:6000,6001,6010,6020,6030,6031,6032,6040,6041,6042,6043,6044,6060,6061:71:f:20|\
Liège;Luik:4000,4020,4030,4031,4032:4:f:20|Brugge;Bruges:8000,8200,8310,8380:50:n:12|\
Namur;Namen:5000,5001,5002,5003,5004,5020,5024,5100,5101:81:f:11|\
Leuven;Louvain:3000,3001,3010,3012,3018:16:n:10|\
Mons;Bergen:7000,7010,7011,7012,7020,7021,7022,7024,7030,7031,7032,7033,7034:65:f:10|\
Mechelen;Malines:2800,2801,2811,2812:15:n:9|Aalst;Alost:9300,9308,9310,9320:53:n:9|\
Hasselt:3500,3501,3510,3511,3512:11:n:8|Kortrijk;Courtrai:8500,8501,8510,8511:56:n:8|\
Oostende;Ostende:8400:59:n:7|Sint-Niklaas:9100,9111,9112:3:n:8|\
Tournai;Doornik:7500,7501,7502,7503,7504,7506,7520,7521,7522,7530:69:f:7|Genk:3600:89:n:7|\
Seraing:4100,4101,4102:4:f:6|Roeselare;Roulers:8800:51:n:6|Verviers:4800,4801,4802:87:f:6|\
Mouscron;Moeskroen:7700,7711,7712:56:f:6|La Louvière:7100,7110:64:f:8|Wavre;Waver:1300,1301:10:f:3|\
Ottignies-Louvain-la-Neuve:1340,1341,1348:10:f:3|Turnhout:2300:14:n:4|Sint-Truiden:3800:11:n:4|\
Ieper;Ypres:8900:57:n:3|Arlon;Aarlen:6700:63:f:3|Nivelles;Nijvel:1400:67:f:3|Halle:1500:2:n:4|\
Vilvoorde:1800:2:n:4|Zaventem:1930:2:n:3|Dendermonde:9200:52:n:4|Lokeren:9160:9:n:4|\
Beveren:9120:3:n:5|Lier:2500:3:n:4|Geel:2440:14:n:4|Knokke-Heist:8300:50:n:3|Waterloo:1410:2:f:3|\
Braine-l'Alleud;Eigenbrakel:1420:2:f:4";

const NL_STREETS: &str = "Kerkstraat|Dorpsstraat|Stationsweg|Stationsstraat|Schoolstraat|\
Molenstraat|Julianastraat|Beatrixstraat|Wilhelminastraat|Prins Bernhardstraat|Nieuwstraat|\
Hoofdstraat|Marktstraat|Molenweg|Kastanjelaan|Eikenlaan|Beukenlaan|Lindelaan|Parallelweg|\
Industrieweg|Sportlaan|Julianalaan|Oranjestraat|Emmastraat|Koningin Julianaweg|'t Zand|\
Groenstraat|Ringweg|Raadhuisplein|Populierenlaan|Prinses Irenestraat|Willem de Zwijgerlaan|\
Van Goghstraat|Rembrandtlaan|Vondelstraat|Lange Nieuwstraat|Oudegracht|Herengracht|Keizersgracht|\
Prinsengracht|Damrak|Coolsingel|Lijnbaan|Weena|Laan van Meerdervoort|Biltstraat|\
Amsterdamsestraatweg|Vredenburg|Stratumseind|Vismarkt|Grote Markt|Händelstraat|\
Bosboom-Toussaintstraat|Van Eeghenstraat|Burgemeester de Withstraat|Achterweg|Havenstraat|\
Kanaalweg|Dijkstraat|Veldweg|Wilgenlaan|Berkenlaan|Esdoornlaan|Meidoornstraat|Rozenstraat|\
Tulpstraat|Narcisstraat|Merelstraat|Lijsterstraat|Mozartlaan|Beethovenstraat|Thorbeckelaan|\
Churchilllaan|Rooseveltlaan|Kennedylaan|Jan Steenstraat|Frans Halsstraat|Pieter de Hoochstraat|\
Johan de Wittlaan|Van Oldenbarneveltstraat|Spoorstraat|Brink|Hogeweg|Zeeweg|Torenstraat|\
Noordeinde|Zuideinde|Oosteinde|Westeinde|Korte Kerkstraat|Hoogstraat|Langestraat|Sint Janstraat|\
Kloosterstraat|Plein 1944|Steenweg|Boterstraat|Brouwersgracht|Bloemgracht|Singel|Rokin|Maliebaan|\
Catharijnesingel|Neude|Kruisstraat|Het Rond|Ter Aa";

const BE_NL_STREETS: &str = "Kerkstraat|Stationsstraat|Dorpsstraat|Nieuwstraat|Molenstraat|\
Schoolstraat|Kapelstraat|Veldstraat|Grote Markt|Meir|Kouter|Bondgenotenlaan|Kortrijksesteenweg|\
Brusselsesteenweg|Gentsesteenweg|Antwerpsesteenweg|Koning Albertlaan|Leopoldlaan|\
Sint-Pietersplein|Vrijheidstraat|Heirbaan|Processiestraat|Sint-Jansstraat|Beekstraat|\
Kasteelstraat|Bosstraat|Hoogstraat|Lindenlaan|Markt|Tiensestraat|Diestsestraat|Naamsestraat|\
Sint-Amandsstraat|Koningin Astridlaan|Prins Boudewijnlaan|Lange Leemstraat|Turnhoutsebaan|\
De Keyserlei|Frankrijklei|Italiëlei|Mechelsesteenweg|Heidestraat|Boomsesteenweg|Overpoortstraat|\
Korenmarkt|Vlaanderenstraat|Nederkouter|Zuidlaan|Dorp-Oost|Dorp-West|Hasseltweg|Genkersteenweg|\
Zandstraat|Groenstraat|Akkerstraat|Populierenlaan|Eikenlaan|Berkenlaan|Pastoor Coplaan|Oude Baan|\
Nieuwe Baan|Brugstraat|Spoorwegstraat|Ieperstraat|Rijselstraat|Oostendsesteenweg|Zeedijk|Kustlaan|\
Lippenslaan|Gistelsteenweg|Sint-Annaplein|Kruisstraat|Wijngaardstraat|Vestingstraat";

const BE_FR_STREETS: &str = "Rue de la Station|Rue de l'Église|Rue du Moulin|Grand-Place|\
Place Saint-Lambert|Chaussée de Bruxelles|Avenue Louise|Rue Neuve|Rue Haute|Rue Royale|\
Boulevard d'Avroy|Rue des Écoles|Rue de la Gare|Avenue de la Libération|Rue du Château|\
Rue des Champs|Rue de Namur|Chaussée de Louvain|Rue Saint-Gilles|Rue de Fragnée|Rue Léopold|\
Rue de la Paix|Avenue des Tilleuls|Rue Albert Ier|Rue Émile Vandervelde|Rue de Mons|\
Rue Sainte-Walburge|Quai de la Batte|Rue Grétry|Rue des Wallons|Rue Joseph Wauters|\
Place du Marché|Rue du Onze Novembre|Avenue Reine Astrid|Rue de la Montagne|Rue du Pont|\
Rue des Prés|Rue de Bouillon|Rue Vinâve d'Île|Rue Puits-en-Sock|Chaussée de Charleroi|\
Chaussée de Waterloo|Avenue de Tervueren|Boulevard Anspach|Rue du Midi|Rue Marché aux Herbes|\
Rue des Bouchers|Rue de Flandre|Rue Antoine Dansaert|Avenue du Port|Rue de l'Industrie|\
Rue du Commerce|Rue de la Loi|Rue Belliard|Avenue de Stalingrad|Rue de Fer|Rue de l'Ange|\
Place d'Armes|Boulevard Tirou|Rue de Marcinelle|Rue du Parc|Rue des Carmes|Rue Hors-Château|\
Rue de la Cathédrale|Rue Saint-Léonard|Rue d'Havré|Rue de Nimy|Grand'Rue|Rue des Fossés|\
Rue du Centre|Rue de la Chapelle|Rue du Bois|Rue des Alliés|Rue Jean Jaurès";

/// E-mail domains offered to Dutch subscribers (two IDN domains at the end).
pub(crate) const NL_DOMAINS: &[&str] = &[
    "ziggo.nl",
    "kpnmail.nl",
    "planet.nl",
    "home.nl",
    "xs4all.nl",
    "hotmail.com",
    "gmail.com",
    "outlook.com",
    "bücher.nl",
    "fietsenmaker-één.nl",
];

/// E-mail domains offered to Belgian subscribers (two IDN domains at the end).
pub(crate) const BE_DOMAINS: &[&str] = &[
    "telenet.be",
    "proximus.be",
    "skynet.be",
    "scarlet.be",
    "hotmail.com",
    "gmail.com",
    "outlook.be",
    "voo.be",
    "chocolatier-liège.be",
    "brasserie-élégance.be",
];

/// Shop chains where subscriptions are sold; `""` is the provider's own shop.
pub(crate) const NL_SHOPS: &[&str] = &["", "Phone House", "MediaMarkt", "BCC", "Telecombinatie"];
/// Belgian shop chains, as [`NL_SHOPS`].
pub(crate) const BE_SHOPS: &[&str] = &["", "MediaMarkt", "Fnac", "Krëfel", "Vanden Borre"];

/// Dutch bank codes used in IBANs.
pub(crate) const NL_BANKS: &[&[u8; 4]] = &[
    b"INGB", b"INGB", b"INGB", b"RABO", b"RABO", b"ABNA", b"ABNA", b"SNSB", b"TRIO", b"KNAB",
    b"ASNB", b"BUNQ", b"RBRB",
];
/// Belgian bank codes (first three digits of the account number).
pub(crate) const BE_BANKS: &[u16] = &[
    1, 63, 68, 310, 363, 734, 735, 737, 973, 979, 143, 210, 220, 290,
];

/// Organisationally unique identifiers of common home-router vendors (8 entries).
pub(crate) const OUIS: [u32; 8] = [
    0x3ca62f, 0xc80e14, 0x3431c4, 0x2c3afd, 0xa491b1, 0x001e74, 0xe0b9e5, 0x4c09d4,
];

/// One city.
#[derive(Debug)]
pub(crate) struct City {
    /// Main name.
    pub name: &'static str,
    /// Other-language or formal name, if any.
    pub alias: Option<&'static str>,
    /// NL: first and last four-digit postcode; BE: unused.
    pub pc_range: (u16, u16),
    /// BE: the city's postcodes.
    pub pcs: Vec<u16>,
    /// Telephone area code without trunk prefix (`20`, `570`, `2`).
    pub area: &'static str,
    /// BE: `n`, `f` or `b`; NL: `n`.
    pub lang: u8,
    /// Rough population weight.
    pub weight: u32,
}

/// All place tables.
pub(crate) struct Places {
    pub nl_cities: Vec<City>,
    pub be_cities: Vec<City>,
    nl_cum: Vec<u32>,
    be_cum: Vec<u32>,
    pub nl_streets: Vec<&'static str>,
    pub be_nl_streets: Vec<&'static str>,
    pub be_fr_streets: Vec<&'static str>,
}

impl Places {
    /// The cities of a country.
    pub(crate) fn cities(&self, c: Country) -> &[City] {
        match c {
            Country::Nl => &self.nl_cities,
            Country::Be => &self.be_cities,
        }
    }

    /// A city index chosen by population weight from a uniform `r` in `0..2^32`.
    pub(crate) fn weighted_city(&self, c: Country, r: u32) -> usize {
        let cum = match c {
            Country::Nl => &self.nl_cum,
            Country::Be => &self.be_cum,
        };
        let total = *cum.last().unwrap_or(&1);
        let x = ((u64::from(r) * u64::from(total)) >> 32) as u32;
        cum.partition_point(|&w| w <= x)
    }
}

fn parse_cities(table: &'static str, be: bool) -> Vec<City> {
    split(table)
        .into_iter()
        .map(|entry| {
            let f: Vec<&'static str> = entry.split(':').collect();
            let (name, alias) = match f[0].split_once(';') {
                Some((n, a)) => (n, Some(a)),
                None => (f[0], None),
            };
            let num = |s: &str| s.parse::<u16>().expect("postcode in city table");
            let (pc_range, pcs, lang, weight) = if be {
                let pcs: Vec<u16> = f[1].split(',').map(num).collect();
                ((0, 0), pcs, f[3].as_bytes()[0], f[4])
            } else {
                let (lo, hi) = f[1].split_once('-').expect("postcode range");
                ((num(lo), num(hi)), Vec::new(), b'n', f[3])
            };
            City {
                name,
                alias,
                pc_range,
                pcs,
                area: f[2],
                lang,
                weight: weight.parse().expect("weight in city table"),
            }
        })
        .collect()
}

fn cumulative(cities: &[City]) -> Vec<u32> {
    let mut acc = 0;
    cities
        .iter()
        .map(|c| {
            acc += c.weight;
            acc
        })
        .collect()
}

/// The place tables (built on first use).
pub(crate) fn places() -> &'static Places {
    static PLACES: OnceLock<Places> = OnceLock::new();
    PLACES.get_or_init(|| {
        let nl_cities = parse_cities(NL_CITIES, false);
        let be_cities = parse_cities(BE_CITIES, true);
        Places {
            nl_cum: cumulative(&nl_cities),
            be_cum: cumulative(&be_cities),
            nl_cities,
            be_cities,
            nl_streets: split(NL_STREETS),
            be_nl_streets: split(BE_NL_STREETS),
            be_fr_streets: split(BE_FR_STREETS),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_parse_and_are_plausible() {
        let p = places();
        assert!(p.nl_cities.len() > 40 && p.be_cities.len() > 40);
        for c in &p.nl_cities {
            assert!(c.pc_range.0 >= 1000 && c.pc_range.0 <= c.pc_range.1 && c.pc_range.1 <= 9999);
            assert!(matches!(c.area.len(), 2 | 3), "{}", c.name);
        }
        for c in &p.be_cities {
            assert!(c.pcs.iter().all(|&pc| (1000..=9999).contains(&pc)));
            assert!(
                matches!(c.area.len(), 1 | 2) && b"nfb".contains(&c.lang),
                "{}",
                c.name
            );
        }
        assert_eq!(
            p.nl_cities[p.weighted_city(Country::Nl, 0)].name,
            "Amsterdam"
        );
        assert!(p.weighted_city(Country::Be, u32::MAX) < p.be_cities.len());
        assert!(p.nl_streets.len() > 100 && p.be_fr_streets.len() > 60);
    }
}
