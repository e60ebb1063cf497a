/// Given and family names from the traditions fixtures draw on, macrons kept where they belong.
enum Names {
    static let byTradition: [Person.Tradition: (given: [String], family: [String])] = [
        .maori: (
            [
                "Āwhina", "Hēmi", "Mere", "Tama", "Rāwiri", "Aroha", "Wiremu", "Ngaio", "Hine", "Tāmati", "Kahurangi",
                "Rēwi", "Moana", "Anahera", "Mānia", "Whetū", "Pita", "Ataahua", "Nikau", "Kōwhai",
            ],
            [
                "Ngata", "Parata", "Tīpene", "Kereama", "Ruatapu", "Te Whata", "Hōhaia", "Pōmare", "Tamihana", "Rangi",
                "Wīhongi", "Te Awa", "Horomona", "Tūhiwai", "Māhanga",
            ]
        ),
        .pacific: (
            [
                "Sione", "Losa", "Ana", "Tavita", "Siosaia", "Mele", "Lupe", "Iosefa", "Salote", "Malakai", "Fetu",
                "Tevita",
                "Ofa", "Talia", "Vailea",
            ],
            [
                "Fifita", "Tuilagi", "Faleolo", "Leota", "Taufa", "Tuipulotu", "Vaifale", "Aumua", "Havili", "Fonoti",
                "Lealaiauloto", "Tupou", "Sapolu", "Matagi",
            ]
        ),
        .asian: (
            [
                "Priya", "Wei", "Jin-woo", "Mei Lin", "Arjun", "Hana", "Hiroshi", "Anh", "Ravi", "Xin", "Deepa",
                "Min-jun",
                "Yuki", "Ananya", "Jun",
            ],
            [
                "Sharma", "Zhang", "Park", "Chen", "Patel", "Kim", "Tanaka", "Nguyen", "Singh", "Li", "Wang", "Gupta",
                "Lee", "Huang",
            ]
        ),
        .european: (
            [
                "Charlotte", "Liam", "Olivia", "Jack", "Isla", "Oliver", "Amelia", "Noah", "Sophie", "James", "Ruby",
                "Hugo", "Grace", "Finn", "Ellie",
            ],
            [
                "Smith", "O'Connor", "Brown", "Wilson", "Taylor", "Williams", "Jones", "Thompson", "Anderson",
                "MacDonald",
                "Campbell", "Robertson", "Stewart", "van der Berg",
            ]
        ),
    ]

    /// Synthetic domains: these addresses belong to no one.
    static let emailDomains = ["example.co.nz", "mail.example.nz", "inbox.example.com", "example.org.nz"]

    static let plain: [Character: Character] = [
        "ā": "a", "ē": "e", "ī": "i", "ō": "o", "ū": "u", "Ā": "A", "Ē": "E", "Ī": "I", "Ō": "O", "Ū": "U",
    ]

    /// Macrons removed, for email local parts.
    static func ascii(_ text: String) -> String {
        if text.utf8.allSatisfy({ $0 < 0x80 }) { return text }
        return String(text.map { plain[$0] ?? $0 })
    }
}

/// Real cities and suburbs, with plausible postcode ranges.
enum Places {
    struct Place {
        var city: String
        var suburbs: [String]
        var postcodes: ClosedRange<Int>
    }

    static let all: [Place] = [
        Place(
            city: "Auckland",
            suburbs: ["Ōtāhuhu", "Māngere", "Papatoetoe", "Onehunga", "Henderson", "Glen Innes", "Manurewa"],
            postcodes: 600...2699),
        Place(
            city: "Wellington", suburbs: ["Newtown", "Kilbirnie", "Johnsonville", "Karori", "Miramar"],
            postcodes: 6011...6037),
        Place(
            city: "Porirua", suburbs: ["Cannons Creek", "Waitangirua", "Ascot Park", "Titahi Bay"],
            postcodes: 5022...5028),
        Place(city: "Lower Hutt", suburbs: ["Naenae", "Taitā", "Waiwhetū", "Wainuiomata"], postcodes: 5010...5019),
        Place(
            city: "Christchurch", suburbs: ["Aranui", "Hornby", "Riccarton", "Linwood", "Papanui"],
            postcodes: 8011...8083),
        Place(city: "Hamilton", suburbs: ["Nawton", "Enderley", "Fairfield", "Dinsdale"], postcodes: 3200...3290),
        Place(
            city: "Rotorua", suburbs: ["Fordlands", "Ngongotahā", "Koutu", "Western Heights"], postcodes: 3010...3020),
        Place(city: "Whangārei", suburbs: ["Otangarei", "Tikipunga", "Kensington"], postcodes: 110...112),
        Place(
            city: "Dunedin", suburbs: ["Caversham", "South Dunedin", "Mosgiel", "North East Valley"],
            postcodes: 9010...9035),
        Place(city: "Invercargill", suburbs: ["Glengarry", "Strathern", "Windsor"], postcodes: 9810...9812),
        Place(city: "Gisborne", suburbs: ["Kaiti", "Elgin", "Mangapapa"], postcodes: 4010...4011),
        Place(city: "Palmerston North", suburbs: ["Highbury", "Awapuni", "Roslyn"], postcodes: 4410...4414),
    ]

    static let streetNames = [
        "Kauri", "Rimu", "Tōtara", "Pōhutukawa", "Victoria", "Queen", "King", "Hinemoa", "Te Rauparaha", "Seddon",
        "Ballance", "Kōwhai", "Matai", "Miro", "Station", "Church", "High", "Puriri", "Rātā", "Manuka",
    ]
    static let streetKinds = ["Street", "Road", "Avenue", "Crescent", "Place", "Terrace", "Drive"]
}
