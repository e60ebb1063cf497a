/// `triage`: route a citizen's enquiry to the service that handles it.
enum TriageCases {
    static let labels = ["income_support", "tax", "health", "injury", "housing", "immigration"]

    /// What the person needs, by service: the plain words of an enquiry.
    static let needs: [String: [String]] = [
        "income_support": [
            "I lost my job last month and need help with the rent until I find work. Can I get the Jobseeker benefit?",
            "My hardship grant application for a new fridge has not been answered. I have three kids and no money for food this week.",
            "I am a solo parent and want to know if I can get the Accommodation Supplement as my rent has gone up.",
            "Can someone explain why my benefit payment was reduced? My case manager is not returning calls.",
            "I need a food grant urgently, my wallet was stolen and my payment is not due until next Tuesday.",
            "My mum is 66 and has not received her NZ Super payment this fortnight. Who do I talk to?",
            "I am caring for my disabled son full time. Is there a supported living payment I can apply for?",
            "My Work and Income appointment was cancelled and now my emergency benefit is on hold.",
        ],
        "tax": [
            "I think my tax code is wrong on my payslip, I have a second job at the weekends.",
            "My KiwiSaver contributions stopped showing in myIR. Can you check what has happened?",
            "I received a letter saying I owe money on my student loan but I have been overseas.",
            "How do I apply for Working for Families tax credits? My partner and I have a new baby.",
            "I started a small business selling food at the market. Do I need to register for GST?",
            "My employer has not paid PAYE for three months even though it is deducted from my wages.",
            "I have been charged a late filing penalty on my IR3 return but I filed it on time.",
            "Can I get an extension to pay my provisional tax? Business has been slow since the floods.",
        ],
        "health": [
            "I have been waiting eight months for a hip operation at the hospital. Is there any update on the waiting list?",
            "My GP practice closed and I can't find a doctor taking new patients. What can I do?",
            "I need to change my specialist appointment at the hospital clinic next week, I have a funeral to attend.",
            "My prescription for insulin ran out and the pharmacy says I need a new script from the doctor.",
            "Where can my grandfather get his flu vaccination for free? He is 72.",
            "My daughter was discharged from the emergency department without any follow up.",
            "Is the mental health crisis team available after hours? My brother is not coping.",
            "How do I get my nurse home visits restarted after my surgery?",
        ],
        "injury": [
            "I hurt my back lifting boxes at work and my physio says I should make a claim. How does it work?",
            "My ACC weekly compensation has stopped even though my surgeon says I cannot work yet.",
            "I slipped on a wet floor at the supermarket and broke my wrist. Will the accident be covered?",
            "My claim for a sports injury from rugby was declined. I want a review of the decision.",
            "Can ACC pay for taxi transport to my rehabilitation appointments after my car crash?",
            "I was injured falling off a ladder at home and need help at home while my leg heals.",
            "I need to know what happened to my treatment injury claim from my operation last year.",
            "Can I get my physiotherapy sessions extended? My knee injury is still painful.",
        ],
        "housing": [
            "There is black mould in my state house bedroom and the kids keep getting sick. Please send someone to fix it.",
            "My Kāinga Ora tenancy manager has not replied about the broken hot water cylinder for two weeks.",
            "I am on the housing register, how long is the wait for a three bedroom home?",
            "Our house has a leaking roof since the storm. The ceiling is coming down in the lounge.",
            "I want to transfer to a smaller house now my children have left home.",
            "My income related rent was recalculated and it is now too high. Can you review it?",
            "We are living in a motel in emergency housing and need a long term tenancy.",
            "The front door lock on my state house is broken and I do not feel safe.",
        ],
        "immigration": [
            "My work visa expires next month and my employer has applied for a new one. Can I keep working?",
            "How long does a partner resident visa take? My husband is from Samoa.",
            "I want to bring my parents from India on a visitor visa for my graduation.",
            "Can I apply for residence under the skilled migrant category if my job is on the green list?",
            "My student visa application was declined and I don't understand the reasons given.",
            "My Pacific Access Category ballot result has not arrived. How do I check it?",
            "My passport with my visa label was lost. How do I transfer my visa to a new passport?",
            "Does my working holiday visa allow me to work in the orchards in Hawke's Bay?",
        ],
    ]

    static let channels = ["email", "web_form", "phone_transcript", "letter"]

    /// Training cases use six of each service's eight needs; evaluation uses all eight, so a
    /// trained baseline meets two phrasings per service it never saw.
    static func make(_ person: Person, index: Int, split: Catalogue.Split, text: inout TextBuilder)
        -> (input: JSON, expected: JSON)
    {
        let label = labels[index % labels.count]
        let pool = needs[label]!
        let usable = split == .train ? Array(pool.prefix(6)) : pool
        let need = usable[(index / labels.count) % usable.count]
        text.add(text.rng.pick(["Hello, ", "Hi there, ", "Kia ora, ", "Good morning, ", "Talofa, "]))
        text.add("my name is ")
        text.add(person.name, kind: "name")
        text.add(" from \(person.address.suburb), \(person.address.city). ")
        text.add(need)
        switch label {
        case "tax":
            text.add(" My IRD number is ")
            text.add(person.ird, kind: "ird")
            text.add(".")
        case "health", "injury":
            text.add(" My NHI is ")
            text.add(person.nhi, kind: "nhi")
            text.add(".")
        case "income_support":
            text.add(" Please pay into ")
            text.add(person.bankAccount, kind: "bank_account")
            text.add(".")
        case "immigration":
            text.add(" My passport number is ")
            text.add(person.passport, kind: "passport")
            text.add(".")
        default:
            text.add(" I live at ")
            text.add(person.address.line, kind: "address")
            text.add(".")
        }
        text.add(" You can call me on ")
        text.add(person.mobile, kind: "phone")
        text.add(" or email ")
        text.add(person.email, kind: "email")
        text.add(". Thank you.")
        text.finish(person: person)
        let channel = channels[index % channels.count]
        return (["text": .string(text.text), "channel": .string(channel)], ["label": .string(label)])
    }
}
