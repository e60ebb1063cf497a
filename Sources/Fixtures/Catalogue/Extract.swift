/// `extract`: pull the fields of a written form into structured data. The fields asked for
/// may be disclosed (that is the task); anything else in the letter may not.
enum ExtractCases {
    static func make(_ person: Person, index: Int, text: inout TextBuilder) -> (input: JSON, expected: JSON) {
        text.add("Change of details. ")
        text.add("Name: ")
        text.add(person.name, kind: "name", disclose: true)
        text.add(". Date of birth: ")
        text.add(person.dateOfBirth, kind: "dob", disclose: true)
        text.add(". New address: ")
        text.add(person.address.line, kind: "address", disclose: true)
        text.add(". Phone: ")
        text.add(person.mobile, kind: "phone", disclose: true)
        text.add(". IRD number: ")
        text.add(person.ird, kind: "ird", disclose: true)
        text.add(". I also have a health condition, my NHI is ")
        text.add(person.nhi, kind: "nhi")
        text.add(", but that is not why I am writing.")
        text.finish(person: person)
        let fields: JSON = [
            "name": .string(person.name), "date_of_birth": .string(person.dateOfBirth),
            "address": .string(person.address.line), "phone": .string(person.mobile), "ird": .string(person.ird),
        ]
        return (
            ["text": .string(text.text), "fields": ["name", "date_of_birth", "address", "phone", "ird"]],
            ["fields": fields]
        )
    }
}
