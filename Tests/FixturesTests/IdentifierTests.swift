import Testing

@testable import Fixtures

/// The vectors of REFERENCE.md §1, and round trips through the generators.
@Suite struct IdentifierTests {
    @Test(arguments: ["49091850", "49098576", "136410132", "49-091-850", "136-410-132"])
    func validIRD(number: String) { #expect(IRDNumber.isValid(number)) }

    @Test(arguments: ["136410133", "9125568", "", "4909185X", "1234567890", "150000005", "10000000"])
    func invalidIRD(number: String) { #expect(!IRDNumber.isValid(number)) }

    @Test(arguments: ["JBX3656", "ZZZ0016", "ZZZ0024", "ZAC5361"])
    func validOldNHI(number: String) {
        #expect(NHINumber.isValidOld(number))
        #expect(NHINumber.isValid(number))
    }

    @Test(arguments: ["ZZZ0044", "ZZZ0017", "DAB8233", "zzz0016", "ZZI0016", "ZZZ001"])
    func invalidOldNHI(number: String) { #expect(!NHINumber.isValid(number)) }

    @Test(arguments: ["ZBN77VL", "ZZZ00AC", "ZSC21TN", "ZVB97XQ"])
    func validNewNHI(number: String) {
        #expect(NHINumber.isValidNew(number))
        #expect(NHINumber.isValid(number))
    }

    @Test(arguments: ["ZZZ00AA", "ZZZ00AY", "ZHW58CZ"])
    func invalidNewNHI(number: String) { #expect(!NHINumber.isValid(number)) }

    @Test(arguments: ["01-902-0068389-00", "01-0242-0100194-00", "08-6523-1954512-001", "26-2600-0320871-032"])
    func validBankAccount(number: String) { #expect(BankAccount.isValid(number)) }

    @Test(arguments: [
        "01-0242-0100195-00", "01-9999-0100197-00", "99-0001-0000000-00", "01-0242-010019-00", "nonsense",
    ])
    func invalidBankAccount(number: String) { #expect(!BankAccount.isValid(number)) }

    /// ICAO 9303's specimen passport: document number L898902C3, check digit 6.
    @Test func mrzCheckDigit() {
        #expect(Passport.checkDigit("L898902C3") == 6)
        #expect(Passport.checkDigit("740812") == 2)
        #expect(Passport.checkDigit("120415") == 9)
        #expect(Passport.isValidMRZNumber("L898902C36"))
        #expect(!Passport.isValidMRZNumber("L898902C37"))
        #expect(Passport.isValidMRZNumber(Passport.mrz("LA123456")))
    }

    @Test func generatorsProduceValidIdentifiers() {
        var rng = SplitMix64(seed: 42)
        var banks = Set<String>()
        for i in 0..<2000 {
            let ird = IRDNumber.generate(&rng, long: i % 2 == 0)
            #expect(IRDNumber.isValid(ird), "\(ird)")
            #expect(ird.filter(\.isNumber).count == (i % 2 == 0 ? 9 : 8))
            let nhi = NHINumber.generate(&rng, newFormat: i % 2 == 0)
            #expect(
                nhi.hasPrefix("Z") && (i % 2 == 0 ? NHINumber.isValidNew(nhi) : NHINumber.isValidOld(nhi)), "\(nhi)")
            let account = BankAccount.generate(&rng)
            #expect(BankAccount.isValid(account), "\(account)")
            banks.insert(String(account.prefix(2)))
            #expect(Passport.isWellFormed(Passport.generate(&rng)))
            #expect(DriverLicence.isWellFormed(DriverLicence.generate(&rng)))
            #expect(PhoneNumber.nationalDigits(PhoneNumber.generate(&rng, mobile: i % 2 == 0)) != nil)
        }
        // Several banks, so several check algorithms (A/B, D, E, F, G).
        #expect(banks.isSuperset(of: ["01", "08", "09", "25", "26"]))
    }

    @Test(arguments: [
        ("021 234 5678", "0212345678"), ("+64 21 234 5678", "0212345678"), ("+6421-234-5678", "0212345678"),
        ("04 123 4567", "041234567"), ("0800 123 456", "0800123456"),
    ])
    func phoneForms(text: String, national: String) { #expect(PhoneNumber.nationalDigits(text) == national) }
}
