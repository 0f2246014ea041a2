//! Name tables: common Dutch, Flemish, Belgian French and immigrant surnames and given
//! names (mixed gender), plus organisation name patterns. Tables are `|`-separated
//! strings split once at first use.

use std::sync::OnceLock;

const NL_SURNAMES: &str = "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|\
Smit|Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer|de Wit|\
Dijkstra|Smits|de Graaf|van der Meer|van der Linden|Kok|Jacobs|de Haan|Vermeulen|van den Heuvel|\
van der Veen|van den Broek|de Bruijn|de Bruin|van der Heijden|Schouten|van Beek|Willems|van Vliet|\
van de Ven|Hoekstra|Maas|Verhoeven|Koster|van Dam|van der Wal|Prins|Blom|Huisman|Peeters|de Jonge|\
Kuipers|van Veen|Post|Kuiper|Veenstra|Kramer|van den Brink|Scholten|van Wijk|Postma|Martens|Vink|\
de Ruiter|Timmermans|Groen|Gerritsen|Jonker|van Loon|Boer|van der Velde|Willemsen|Smeets|de Lange|\
de Vos|Bosch|van Dongen|Schipper|de Koning|van der Laan|Koning|van der Velden|Driessen|van Doorn|\
Hermans|Evers|van den Bosch|van der Meulen|Hofman|Bosman|Wouters|Sanders|van der Zee|Wolters|\
Mertens|Kooistra|Zijlstra|Brouwers|Boersma|van Rijn|Verbeek|Huizinga|Lammers|Verburg|van Dalen|\
Tromp|van Wijngaarden|de Rooij|Heijnen|van 't Hof|'t Hart|van 't Veer|Hoogendoorn|Hoogeveen|\
Kaptein|Keijzer|Klaassen|Kroon|Langeveld|Leenders|Lubbers|Meijers|Molenaar|Mol|Nieuwenhuis|\
Noordermeer|Oosterhuis|Oosting|Pronk|Rietveld|Roelofs|Rutten|Schoenmaker|Slot|Snijders|Spijker|\
Steenbergen|Stam|Terpstra|Teunissen|Tijssen|Ubink|Valk|Veldhuis|Verhagen|Verschuren|Visscher|\
Vonk|Vroom|Wagenaar|Westerhof|Wiersma|Wijnen|Zwart|van Bergen|van Bommel|van de Kamp|van de Pol|\
van de Wetering|van den Akker|van der Ploeg|van der Sluis|van der Steen|van der Vegt|van Essen|\
van Gelder|van Hoof|van Kessel|van Os|van Rooij|van Schaik|van Zanten|de Kok|de Waal|de Wilde|\
de Zwart|de Mol|de Beer|de Leeuw|de Ridder|Donkers|Faber|Franken|Geerts|Gijsbers|Haverkamp|\
Hendriksen|Hoekman|Hofstra|Jongsma|Koopman|Kuijpers|Lindeman|Marsman|Mooij|Nijhuis|Nijland|Oud|\
Ploeg|Reijnders|Sluiter|Swart|van Ommen|Veenendaal|Verbruggen|Vermeer|Wessels|Zuidema|Bruinsma|\
Buurman|Coenen|Claassen|Derksen|Dirksen|Elzinga|Evertsen|Feenstra|Geurts|Hilhorst|Hoeksema|\
Hulshof|IJzerman|Kamphuis|Kersten|Knol|Lansink|Mulders|Nauta|Oostveen|Pauw|Poortman|Reinders|\
Schaap|Schreurs|Sikkema|Smulders|Stoffels|Tuinstra|van Gorp|Veerman|Wolf|Zandbergen|d'Ancona|\
van Houten|van der Horst|van Beusekom|Heemskerk|Baars|Brink|Bouwman|Dam|Hoogland|Kuijt|Sijbers";

const BE_NL_SURNAMES: &str = "Peeters|Janssens|Maes|Jacobs|Mertens|Willems|Claes|Goossens|\
Wouters|De Smet|Hermans|Aerts|Martens|De Clercq|Van Damme|Vermeulen|Claeys|Pauwels|Michiels|\
Van de Velde|Hendrickx|Desmet|Smets|Verstraete|De Backer|Stevens|Wuyts|De Cock|Cools|\
Van den Broeck|Verhoeven|Bogaerts|Coppens|Segers|Lemmens|Thys|De Vos|Verbruggen|Van Hecke|\
Vandenberghe|De Meyer|Van Acker|Vervoort|De Wilde|Baert|Declercq|Verschueren|Geerts|Van Dyck|\
Gielen|Laureys|Vandamme|Van Hoof|Verlinden|De Keyser|Mariën|Verbeke|Lenaerts|Moens|Van Goethem|\
Callens|Devos|Van Hove|Sels|Dierckx|Vercammen|Van Camp|Van Laere|Bauwens|De Pauw|\
Vanderstraeten|Van Rompuy|Van der Auwera|Van Looy|Heylen|Luyten|Van Aken|Ceulemans|Wyns|Coenen|\
Vanhove|D'Hondt|D'Haese|Verhaeghe|Vandewalle|Vanneste|Vanhoutte|Deconinck|Goethals|Dewulf|\
Lievens|Cornelis|Nijs|Van Loo|Bracke|Van den Bossche|Verhelst|Van de Walle|Vandeputte|De Bruyne|\
De Ridder|Beckers|Van Parys|Vanderhaegen|Schepens|De Schrijver|Verbist|Van Gucht|Nuyts|\
Van Mechelen|Vermeiren|Van Bael|De Wolf|Boeckx|Raes|Vanderlinden|Verheyen|Van Dessel|Engelen|\
Bosmans|Geens|Bellens|Verdonck|Lauwers|Van Herck|Smolders|Op de Beeck|Vanhaecke|Decock|Delanghe|\
Vanhee|Deprez|Roels|Dhaene|Vandenbroucke|Van Impe|Sterckx|Daems|Van Reeth|Stroobants|Hellemans|\
Van Campenhout|Verbeeck|Van Eyck|Van Ranst|Van Steen|Verhulst|Schoofs|Swinnen|Vanmechelen|Ooms";

const BE_FR_SURNAMES: &str = "Dubois|Lambert|Dupont|Leclercq|Martin|Simon|Laurent|Lefebvre|\
Dumont|Renard|François|Lejeune|Mathieu|Henry|Gérard|Denis|Collard|Noël|Michel|Fontaine|Lemaire|\
Thiry|Gilson|Jacquet|Legrand|Bastin|Marchal|Dubuisson|Lecomte|Hubert|Leroy|Charlier|Piette|\
Lemoine|Delvaux|Pirotte|Wathelet|Servais|Colson|Dethier|Bodart|Léonard|Grégoire|Thomas|Massart|\
Godart|Masson|Remacle|Libert|Delhaye|Lefèvre|Baudoux|Frère|Moreau|Bertrand|Carlier|Petit|\
Rousseau|Lacroix|Wilmet|Mahieu|Pierre|Lhoest|Nicolay|Evrard|Defays|Closset|Jadot|Delcourt|Hardy|\
Demoulin|Bonnet|Jamar|Delforge|Lecocq|Delmotte|Gillet|Dejardin|Boulanger|Bauduin|Hallet|Kinet|\
Mottet|Dessy|Laloux|Poncelet|Gobert|Houben|Jacob|Meunier|Cornet|Goffin|Halleux|Chevalier|\
Dumoulin|Dupuis|Bouchez|Ghislain|Gossiaux|Stassart|Wéry|Mélotte|Génicot|Crémer|de Ligne|d'Ursel|\
Van Cauwenberghe|Vandervelde|Delchambre|Hanquet|Boland|Lallemand|Fraiture|Dewez|Joris|Gaspard";

const MIGRANT_SURNAMES: &str = "Yılmaz|Öztürk|Kaya|Demir|Çelik|Şahin|Doğan|Aydın|Arslan|Koç|\
El Amrani|El Idrissi|Bouzid|Benali|Ouali|Aziz|Haddou|Boukhari|Ait Ahmed|Ahmadi|Hosseini|Nguyen|\
Tran|Wong|Singh|Ramdin|Kalloe|Sewnath|Mahabier|Nowak|Kowalski|Wiśniewski|Popescu|Silva|Santos|\
Rodrigues|Fernández|García|Rossi|Ferrari|Müller|Schmidt|Schneider|Kabongo|Mbuyi|Diallo";

const NL_GIVEN: &str = "Jan|Pieter|Kees|Henk|Willem|Johannes|Cornelis|Gerrit|Hendrik|Daan|Sem|\
Lucas|Levi|Finn|Bram|Thijs|Ruben|Tim|Lars|Jesse|Niels|Sander|Bas|Joost|Maarten|Jeroen|Dennis|Mark|\
Erik|Martijn|Stefan|Rob|Peter|Hans|Frank|Wouter|Rik|Luuk|Milan|Noah|Daniël|Michiel|Raphaël|Gijs|\
Koen|Ties|Mees|Jurre|Stijn|Wim|Ad|Theo|Ton|Gert-Jan|Jan-Willem|Anna|Emma|Sophie|Julia|Tess|Sanne|\
Lisa|Eva|Fleur|Lotte|Anouk|Femke|Iris|Maud|Noor|Saar|Linda|Marieke|Ingrid|Monique|Petra|Els|\
Annemiek|Wilma|Gerda|Johanna|Maria|Cornelia|Hendrika|Anke|Esther|Miriam|Nathalie|Chantal|Sandra|\
Marloes|Inge|Ilse|Yara|Zoë|Chloë|Noëlle|Daniëlle|Mirjam|Joke|Ria|Tineke|Roos|Isa|Sara|Lieke|Evi|\
Anne-Marie|Nienke|Hanneke|Renée";

const BE_NL_GIVEN: &str = "Jan|Luc|Marc|Dirk|Geert|Koen|Bart|Wim|Tom|Pieter|Jef|Jos|Stijn|Wout|\
Arne|Lukas|Seppe|Jonas|Vic|Lars|Mathis|Rune|Kobe|Ward|Lowie|Jens|Ruben|Thibault|Guy|Rudi|Patrick|\
Filip|Kristof|Sven|Dries|Bram|Noah|Mats|Warre|Staf|An|Els|Inge|Katrien|Sofie|Lien|Nele|Marleen|\
Hilde|Griet|Liesbeth|Annelies|Fien|Lotte|Noor|Ella|Marie|Lena|Mila|Louise|Febe|Jolien|Ellen|Kaat|\
Hanne|Leen|Veerle|Ann-Sophie|Chloë|Zoë|Ilse|Karolien|Mieke|Jana|Elien|Margot|Lore";

const BE_FR_GIVEN: &str = "Jean|Pierre|Michel|Philippe|Alain|Luc|Christophe|Olivier|Nicolas|\
Thomas|François|Benoît|Jérôme|Frédéric|Sébastien|Cédric|Hugo|Louis|Arthur|Jules|Théo|Noah|\
Gabriel|Raphaël|Maxime|Jean-Pierre|Jean-Marc|Didier|Thierry|Pascal|Marie|Anne|Isabelle|Nathalie|\
Catherine|Sophie|Valérie|Martine|Christine|Sandrine|Céline|Aurélie|Julie|Camille|Léa|Chloé|Emma|\
Louise|Manon|Zoé|Juliette|Élodie|Amélie|Françoise|Geneviève|Hélène|Mélanie|Anaïs|Noémie|\
Marie-Claire|Anne-Sophie|Laure|Margaux|Inès";

const MIGRANT_GIVEN: &str = "Mohammed|Ahmet|Youssef|Mehmet|Mustafa|Ali|Hassan|Emre|Burak|Omar|\
Fatima|Zeynep|Ayşe|Elif|Khadija|Samira|Nadia|Yasmina|Priya|Anil|Minh|Linh|Agnieszka|Piotr|Andrei|\
Ioana|João|Inês|José|María|Giulia|Marco|Jürgen|Björn|Grace|Patrice";

/// Which name pool a subscriber's names come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    Nl,
    BeNl,
    BeFr,
    Migrant,
}

/// Organisation name patterns; `{S}`/`{T}` are surnames, `{C}` a city. Some contain a
/// comma or double quotes on purpose, to exercise CSV quoting.
pub(crate) const NL_ORGS: &[&str] = &[
    "{S} B.V.",
    "{S} Installatietechniek B.V.",
    "Bakkerij {S}",
    "Autobedrijf {S}",
    "{S} & Zonen",
    "Huisartsenpraktijk {S}",
    "{S}, {T} & Partners",
    "Café \"De Gouden Leeuw\" {C}",
    "Stichting Zorg {C}",
    "{C} Logistics B.V.",
    "Gemeente {C}",
    "Advocatenkantoor {S} {T}",
];

/// Belgian organisation name patterns, as [`NL_ORGS`].
pub(crate) const BE_ORGS: &[&str] = &[
    "{S} BV",
    "{S} SRL",
    "{S} NV",
    "Bakkerij {S}",
    "Boulangerie {S}",
    "Garage {S} & Fils",
    "{S}, {T} & Associés",
    "Brasserie \"Le Coq d'Or\" {C}",
    "Stad {C}",
    "Ville de {C}",
    "Cabinet médical {S}",
    "{C} Transport NV",
];

/// All name pools, split from the tables above.
pub(crate) struct Names {
    pub nl_surnames: Vec<&'static str>,
    pub be_nl_surnames: Vec<&'static str>,
    pub be_fr_surnames: Vec<&'static str>,
    pub migrant_surnames: Vec<&'static str>,
    pub nl_given: Vec<&'static str>,
    pub be_nl_given: Vec<&'static str>,
    pub be_fr_given: Vec<&'static str>,
    pub migrant_given: Vec<&'static str>,
}

impl Names {
    /// The surname pool of a language.
    pub(crate) fn surnames(&self, lang: Lang) -> &[&'static str] {
        match lang {
            Lang::Nl => &self.nl_surnames,
            Lang::BeNl => &self.be_nl_surnames,
            Lang::BeFr => &self.be_fr_surnames,
            Lang::Migrant => &self.migrant_surnames,
        }
    }

    /// The given-name pool of a language.
    pub(crate) fn given(&self, lang: Lang) -> &[&'static str] {
        match lang {
            Lang::Nl => &self.nl_given,
            Lang::BeNl => &self.be_nl_given,
            Lang::BeFr => &self.be_fr_given,
            Lang::Migrant => &self.migrant_given,
        }
    }
}

/// Splits a `|`-separated table.
pub(crate) fn split(table: &'static str) -> Vec<&'static str> {
    table
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The name pools (built on first use).
pub(crate) fn names() -> &'static Names {
    static NAMES: OnceLock<Names> = OnceLock::new();
    NAMES.get_or_init(|| Names {
        nl_surnames: split(NL_SURNAMES),
        be_nl_surnames: split(BE_NL_SURNAMES),
        be_fr_surnames: split(BE_FR_SURNAMES),
        migrant_surnames: split(MIGRANT_SURNAMES),
        nl_given: split(NL_GIVEN),
        be_nl_given: split(BE_NL_GIVEN),
        be_fr_given: split(BE_FR_GIVEN),
        migrant_given: split(MIGRANT_GIVEN),
    })
}

/// Appends the lower-case ASCII letters of `s` (diacritics folded, spaces, hyphens and
/// apostrophes dropped): `van 't Hof` -> `vanthof`, `Çelik` -> `celik`.
pub(crate) fn push_ascii_lower(buf: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        let c = match c {
            'a'..='z' | '0'..='9' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
            'ç' | 'Ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'É' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ı' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'Ö' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ş' | 'Ş' | 'ś' => 's',
            'ğ' => 'g',
            _ => continue,
        };
        buf.push(c as u8);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_are_large_and_clean() {
        let n = names();
        assert!(n.nl_surnames.len() >= 250, "{}", n.nl_surnames.len());
        assert!(n.be_nl_surnames.len() + n.be_fr_surnames.len() >= 250);
        for pool in [
            &n.nl_surnames,
            &n.be_nl_surnames,
            &n.be_fr_surnames,
            &n.nl_given,
        ] {
            for s in pool.iter() {
                assert!(!s.is_empty() && s.trim() == *s && !s.contains(','), "{s:?}");
            }
        }
    }

    #[test]
    fn ascii_folding() {
        let mut b = Vec::new();
        push_ascii_lower(&mut b, "van 't Hof-Çelik Zoë");
        assert_eq!(b, b"vanthofcelikzoe");
    }
}
