/// A synthetic person: every field made up, every identifier valid (and test-range where a
/// test range exists).
public struct Person: Sendable, Hashable {
    public enum Tradition: String, Sendable, CaseIterable {
        case maori = "māori", pacific, asian, european
    }

    public var given: String
    public var family: String
    public var tradition: Tradition
    /// Year, month, day.
    public var born: (Int, Int, Int)
    public var address: Address
    public var email: String
    /// Where this person's numbers come from. They are made when asked for, each from its own
    /// stream: a case uses two or three of them, and generation must stay fast.
    var numbers: UInt64

    func stream(_ salt: UInt64) -> SplitMix64 { SplitMix64(seed: numbers ^ salt &* 0x9E37_79B9_7F4A_7C15) }

    public var mobile: String {
        var r = stream(1)
        return PhoneNumber.generate(&r, mobile: true)
    }
    public var landline: String {
        var r = stream(2)
        return PhoneNumber.generate(&r, mobile: false)
    }
    public var ird: String {
        var r = stream(3)
        return IRDNumber.generate(&r, long: r.chance(0.5))
    }
    public var nhi: String {
        var r = stream(4)
        return NHINumber.generate(&r, newFormat: r.chance(0.5))
    }
    public var bankAccount: String {
        var r = stream(5)
        return BankAccount.generate(&r)
    }
    public var driverLicence: String {
        var r = stream(6)
        return DriverLicence.generate(&r)
    }
    public var passport: String {
        var r = stream(7)
        return Passport.generate(&r)
    }

    public var name: String { "\(given) \(family)" }
    public var dateOfBirth: String { "\(pad(born.2))/\(pad(born.1))/\(born.0)" }

    public static func == (a: Person, b: Person) -> Bool { a.name == b.name && a.numbers == b.numbers }
    public func hash(into hasher: inout Hasher) { hasher.combine(numbers) }

    func pad(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
}

/// A New Zealand street address.
public struct Address: Sendable, Hashable {
    public var number: Int
    public var street: String
    public var suburb: String
    public var city: String
    public var postcode: String

    public var line: String { "\(number) \(street), \(suburb), \(city) \(postcode)" }
}

/// Makes people, deterministically from a seed.
public struct Population {
    var rng: SplitMix64

    public init(seed: UInt64) { rng = SplitMix64(seed: seed ^ 0x5A4E_5045_4F50_4C45) }

    /// The next person, of `tradition` when given.
    public mutating func person(_ tradition: Person.Tradition? = nil) -> Person {
        let tradition = tradition ?? rng.pick(Person.Tradition.allCases)
        let names = Names.byTradition[tradition]!
        let given = rng.pick(names.given)
        let family = rng.pick(names.family)
        let year = rng.int(in: 1940...2006)
        let month = rng.int(in: 1...12)
        let day = rng.int(in: 1...28)
        let place = rng.pick(Places.all)
        let address = Address(
            number: rng.int(in: 1...240), street: "\(rng.pick(Places.streetNames)) \(rng.pick(Places.streetKinds))",
            suburb: rng.pick(place.suburbs), city: place.city,
            postcode: BankAccount.pad(rng.int(in: place.postcodes), 4))
        let local = Names.ascii(given + "." + family).lowercased().filter { $0.isLetter || $0 == "." }
        let email = "\(local)\(rng.int(in: 1...99))@\(rng.pick(Names.emailDomains))"
        return Person(
            given: given, family: family, tradition: tradition, born: (year, month, day), address: address,
            email: email, numbers: rng.next())
    }

    /// The same person under a name from another tradition: for fairness, a case told twice.
    public mutating func renamed(_ person: Person, as tradition: Person.Tradition) -> Person {
        var copy = person
        let names = Names.byTradition[tradition]!
        copy.given = rng.pick(names.given)
        copy.family = rng.pick(names.family)
        copy.tradition = tradition
        let local = Names.ascii(copy.given + "." + copy.family).lowercased().filter { $0.isLetter || $0 == "." }
        copy.email = "\(local)\(rng.int(in: 1...99))@\(rng.pick(Names.emailDomains))"
        return copy
    }
}
