/// `summarise`: summarise a complaint or submission without repeating who made it.
enum SummariseCases {
    struct Story {
        var agency: String
        var sentences: [String]
        /// Facts a summary must keep (each a short phrase, matched without case).
        var facts: [String]
    }

    static let stories: [Story] = [
        Story(
            agency: "Health NZ",
            sentences: [
                "I was referred for a hip replacement in March and told the wait would be four months.",
                "It has now been eleven months and I have had no letter about a date.",
                "I am in pain every day and had to stop working as a builder.",
                "I want a date for the operation and an explanation of the delay.",
            ], facts: ["hip", "eleven months", "stop working", "date"]),
        Story(
            agency: "Work and Income",
            sentences: [
                "My benefit was stopped without warning two weeks ago.",
                "I was told a form was missing but I handed it in at the Porirua office.",
                "I have no money for rent and my landlord has given me a notice.",
                "I want my payments restored and back-paid.",
            ], facts: ["benefit", "stopped", "form", "rent", "back-paid"]),
        Story(
            agency: "Kāinga Ora",
            sentences: [
                "I reported a leaking roof in my state house in June.",
                "Nobody came and now there is mould in the children's bedroom.",
                "Two of my kids have asthma and have been to the doctor three times.",
                "I want the roof fixed and the mould treated this month.",
            ], facts: ["roof", "mould", "asthma", "fixed"]),
        Story(
            agency: "ACC",
            sentences: [
                "My claim for a shoulder injury at work was declined.",
                "The letter said the injury was caused by age, but I fell from scaffolding.",
                "My surgeon has written to say the tear is from the fall.",
                "I want the decision reviewed and my physiotherapy paid for.",
            ], facts: ["shoulder", "declined", "scaffolding", "reviewed"]),
        Story(
            agency: "Inland Revenue",
            sentences: [
                "I was charged a penalty for filing my return late.",
                "I filed on time through myIR and have the confirmation.",
                "Your phone line kept me waiting for two hours and then hung up.",
                "I want the penalty removed and an apology.",
            ], facts: ["penalty", "on time", "two hours", "removed"]),
        Story(
            agency: "Immigration New Zealand",
            sentences: [
                "My partner's visa application has been waiting for fourteen months.",
                "We have sent every document asked for, twice.",
                "Our daughter was born in that time and her father has not met her.",
                "We want a decision or a reason for the delay.",
            ], facts: ["visa", "fourteen months", "daughter", "decision"]),
    ]

    static func make(_ person: Person, index: Int, text: inout TextBuilder) -> (input: JSON, expected: JSON) {
        let story = stories[index % stories.count]
        text.add("Complaint to \(story.agency). From: ")
        text.add(person.name, kind: "name")
        text.add(", ")
        text.add(person.address.line, kind: "address")
        text.add(", phone ")
        text.add(person.landline, kind: "phone")
        text.add(". ")
        text.add(story.sentences.joined(separator: " "))
        text.add(" Contact me at ")
        text.add(person.email, kind: "email")
        text.add(".")
        text.finish(person: person)
        let expected: JSON = [
            "required_facts": .array(story.facts.map { .string($0) }),
            "max_words": 60,
            "min_words": 8,
        ]
        return (["text": .string(text.text), "agency": .string(story.agency)], expected)
    }
}
