/// `redact`: remove personal information before an Official Information Act release.
enum RedactCases {
    static func make(_ person: Person, other: Person, index: Int, text: inout TextBuilder) -> (
        input: JSON, expected: JSON
    ) {
        let subject = ["a hardship grant", "a tenancy transfer", "a tax debt", "an ACC claim", "a visa application"][
            index % 5]
        text.add("File note, \(subject). On 3 May the client ")
        text.add(person.name, kind: "name")
        text.add(" (date of birth ")
        text.add(person.dateOfBirth, kind: "dob")
        text.add(") called from ")
        text.add(person.mobile, kind: "phone")
        text.add(" about \(subject). ")
        switch index % 4 {
        case 0:
            text.add("Their IRD number is ")
            text.add(person.ird, kind: "ird")
            text.add(" and payments go to ")
            text.add(person.bankAccount, kind: "bank_account")
            text.add(". ")
        case 1:
            text.add("Their NHI is ")
            text.add(person.nhi, kind: "nhi")
            text.add(" and their GP confirmed the condition. ")
        case 2:
            text.add("They showed passport ")
            text.add(person.passport, kind: "passport")
            text.add(" and driver licence ")
            text.add(person.driverLicence, kind: "driver_licence")
            text.add(". ")
        default:
            text.add("They now live at ")
            text.add(person.address.line, kind: "address")
            text.add(". ")
        }
        text.add("Their support person, ")
        text.add(other.name, kind: "name")
        text.add(", can be reached at ")
        text.add(other.email, kind: "email")
        text.add(". The officer agreed to reply within 20 working days.")
        text.finish(person: person)
        let spans: [JSON] = text.spans.map { ["start": .int($0.start), "end": .int($0.end), "kind": .string($0.kind)] }
        return (["text": .string(text.text)], ["spans": .array(spans), "offsets": "utf8"])
    }
}
