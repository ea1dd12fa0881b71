"""Education for patients, as data: pages -> sections -> statements -> sources.

One template renders every page (``diary/learn_page.html``); a test checks that every statement
has at least one source with a URL or DOI. Certainty of each source, as the project uses it:
"verified" (the statement was checked against that source, directly or via its abstract),
"single-source" (seen only in a secondary or a single page), "recalled" (standard content of the
source, not re-checked; listed so a reviewer knows what to check first).

Wording is plain and never promises an effect; classification criteria are named as
classification, not diagnosis.

Citation review 2026-12-04 (each statement read against the source it names; sources found with
the search tool): three statements cited EULAR 2023 for things it does not say (its 13
recommendations cover drugs, targets and tapering): sun protection (now the LFA sun-protection
page), the diary-insights caveat (a statistics note, Altman & Krzywinski 2015) and the advice to
call about a fever on immunosuppressants (the LFA infections page; "the same day" became
"prompt", as the source says). Sulfonamide antibiotics as a flare trigger: Petri & Allbritton
1992 (abstract), Berry 2019 (abstract) and the LFA page. CAR-T outside trials: Mackensen 2022 was
a compassionate-use programme (abstract); FDA's expanded-access page defines the pathway.
"""

from __future__ import annotations

from dataclasses import dataclass

from .medicines import EXPECTATIONS, SIDE_EFFECT_SOURCES, Source

DISCLAIMER = (
    "This page is general information, not medical advice. It does not replace your care team: "
    "talk to them before changing any treatment. If you feel very unwell, have chest pain, "
    "trouble breathing or a seizure, call your local emergency number."
)

# --- sources (one place each) ------------------------------------------------------------------
EULAR_2023 = Source(
    "Fanouriakis A et al. EULAR recommendations for the management of systemic lupus "
    "erythematosus: 2023 update. Ann Rheum Dis 2024;83:15-29",
    "https://doi.org/10.1136/ard-2023-224762", "verified")
ACR_EULAR_2019 = Source(
    "Aringer M et al. 2019 EULAR/ACR classification criteria for systemic lupus erythematosus. "
    "Arthritis Rheumatol 2019;71:1400-12", "https://doi.org/10.1002/art.40930", "verified")
LFA_WHAT_IS = Source(
    "Lupus Foundation of America. What is lupus?", "https://www.lupus.org/resources/what-is-lupus",
    "recalled")
LFA_PHOTOSENSITIVITY = Source(
    "Lupus Foundation of America. How does photosensitivity affect people with lupus?",
    "https://www.lupus.org/ohio/pages/how-does-photosensitivity-affect-people-with-lupus",
    "verified")
LFA_UV_PROTECTION = Source(
    "Lupus Foundation of America. How can I protect myself against ultraviolet sunlight? "
    "(broad-spectrum sunscreen, protective clothing, a hat, out of direct sun 10 am-4 pm)",
    "https://www.lupus.org/ohio/pages/how-can-i-protect-myself-against-ultraviolet-sunlight",
    "verified")
LFA_INFECTIONS = Source(
    "Lupus Foundation of America. Protecting yourself from infections (immunosuppressive "
    "medicines raise the risk; check with your doctor at any sign of infection; sulfa "
    "antibiotics should be used very carefully in lupus)",
    "https://www.lupus.org/node/773/chapter/18", "verified")
PETRI_1992 = Source(
    "Petri M, Allbritton J. Antibiotic allergy in systemic lupus erythematosus: a case-control "
    "study. J Rheumatol 1992;19:265-9 (lupus worsened in 21% of sulfonamide allergic reactions)",
    "https://pubmed.ncbi.nlm.nih.gov/1629825/", "verified")
BERRY_2019 = Source(
    "Berry JT et al. Sulfamethoxazole and trimethoprim causes true lupus exacerbations rather "
    "than drug reaction. Lupus Sci Med 2019;6(Suppl 1):A56 (abstract 77: four patients "
    "hospitalised with a flare after TMP-SMX)", "https://lupus.bmj.com/content/6/Suppl_1/A56.1",
    "verified")
ALTMAN_2015 = Source(
    "Altman N, Krzywinski M. Association, correlation and causation. Nat Methods "
    "2015;12:899-900 (\"correlation implies association, but not causation\")",
    "https://doi.org/10.1038/nmeth.3587", "verified")
FDA_EXPANDED_ACCESS = Source(
    "US FDA. Expanded access (sometimes called compassionate use): an investigational product "
    "for a serious condition outside clinical trials when no satisfactory alternative exists",
    "https://www.fda.gov/news-events/expanded-access/expanded-access-information-patients",
    "verified")
PAWLAK_2003 = Source(
    "Pawlak CR et al. Flares in patients with systemic lupus erythematosus are associated with "
    "daily psychological stress. Psychother Psychosom 2003;72:159-65",
    "https://pubmed.ncbi.nlm.nih.gov/12707483/", "verified")
PERALTA_2004 = Source(
    "Peralta-Ramirez MI et al. The effects of daily stress and stressful life events on the "
    "clinical symptomatology of patients with lupus erythematosus. Psychosom Med 2004;66:788-94",
    "https://pubmed.ncbi.nlm.nih.gov/15385708/", "verified")
AAO_2016 = SIDE_EFFECT_SOURCES["hydroxychloroquine"][1]
ACR_HCQ = SIDE_EFFECT_SOURCES["hydroxychloroquine"][0]
USINLUPUS_LN = Source(
    "GSK US in Lupus. Lupus nephritis (symptoms: foamy urine, swelling, blood in the urine, high "
    "blood pressure)", "https://www.usinlupus.com/basics-of-lupus/lupus-nephritis", "single-source")
KDIGO_LN_2024 = Source(
    "KDIGO 2024 Clinical Practice Guideline for the management of lupus nephritis",
    "https://kdigo.org/guidelines/lupus-nephritis/", "recalled")
FDA_REGEN = Source(
    "US FDA. Important patient and consumer information about regenerative medicine therapies "
    "(June 2021)",
    "https://www.fda.gov/vaccines-blood-biologics/consumers-biologics/"
    "important-patient-and-consumer-information-about-regenerative-medicine-therapies",
    "verified")
DOMINICI_2006 = Source(
    "Dominici M et al. Minimal criteria for defining multipotent mesenchymal stromal cells. "
    "The ISCT position statement. Cytotherapy 2006;8:315-7",
    "https://doi.org/10.1080/14653240600855905", "verified")
DENG_2017 = Source(
    "Deng D et al. Randomised double-blind clinical trial of umbilical cord mesenchymal stem "
    "cells in lupus nephritis. Ann Rheum Dis 2017;76:1436-9",
    "https://ard.bmj.com/content/76/8/1436", "verified")
MACKENSEN_2022 = Source(
    "Mackensen A et al. Anti-CD19 CAR T cell therapy for refractory systemic lupus "
    "erythematosus. Nat Med 2022;28:2124-32", "https://pubmed.ncbi.nlm.nih.gov/36109639/",
    "verified")
MULLER_2024 = Source(
    "Müller F et al. CD19 CAR T-cell therapy in autoimmune disease: a case series with follow-up. "
    "N Engl J Med 2024;390:687-700", "https://pubmed.ncbi.nlm.nih.gov/38381673/", "verified")
PHADIA_DIL = Source(
    "Thermo Fisher (Phadia). Drug-induced lupus: hydralazine, procainamide, isoniazid and others; "
    "usually resolves when the drug is withdrawn",
    "http://www.phadia.com/en-GB/3/Diseases/Connective-Tissue-Diseases/Drug-Induced-Lupus/",
    "single-source")
DIL_MINOCYCLINE = Source(
    "Skyscape, Skin disease reference: drug-induced lupus erythematosus (lists minocycline "
    "among the drugs)",
    "https://download.skyscape.com/download/ota/lonestar/F8E356E4-9C75-4908-8B0A-B9A5E9E5906F/"
    "skindis.ed4/content/HTML/r/tu33.htm", "single-source")


@dataclass(frozen=True, slots=True)
class Statement:
    text: str
    sources: tuple[Source, ...]


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class Page:
    slug: str
    title: str
    summary: str
    sections: tuple[Section, ...]


def _s(text: str, *sources: Source) -> Statement:
    return Statement(text, sources)


PAGES: tuple[Page, ...] = (
    Page("what-is-lupus", "What lupus is, and is not",
         "An autoimmune disease that can affect many parts of the body.", (
             Section("What it is", (
                 _s("Systemic lupus erythematosus (SLE, lupus) is a long-term autoimmune disease: "
                    "the immune system attacks the body's own tissues.", LFA_WHAT_IS, EULAR_2023),
                 _s("It can affect the skin, joints, kidneys, blood, heart, lungs and brain, "
                    "and it differs a lot from one person to another.", LFA_WHAT_IS, EULAR_2023),
                 _s("Lupus usually comes and goes: periods of more activity (flares) alternate "
                    "with calmer periods. Treatment aims at remission or low disease activity "
                    "and at preventing flares.", EULAR_2023),
             )),
             Section("What it is not", (
                 _s("Lupus is not contagious: you cannot catch it from someone or give it to "
                    "anyone.", LFA_WHAT_IS),
                 _s("Lupus is not a form of cancer and is not related to HIV or AIDS.", LFA_WHAT_IS),
                 _s("The EULAR/ACR 2019 criteria are classification criteria for research "
                    "studies; they are not a diagnostic test. The diagnosis is your "
                    "doctor's judgement.", ACR_EULAR_2019),
             )),
         )),
    Page("triggers", "Triggers", "Things that may go together with more symptoms.", (
        Section("Common triggers", (
            _s("Ultraviolet light from the sun or from unshielded fluorescent light can bring "
               "new or worse rashes, and in systemic lupus joint pain, tiredness and fever.",
               LFA_PHOTOSENSITIVITY),
            _s("Sun protection (shade, clothing, broad-spectrum sunscreen) is recommended for "
               "people with lupus.", LFA_UV_PROTECTION),
            _s("In diary studies, everyday stress went together with flares and with worse "
               "symptoms on the same or the next day, in some people more than others.",
               PAWLAK_2003, PERALTA_2004),
            _s("Sulfonamide ('sulfa') antibiotics, such as trimethoprim-sulfamethoxazole "
               "(co-trimoxazole, Bactrim, Septra), can trigger a lupus flare: in one study lupus "
               "got worse in about 1 in 5 allergic reactions to them, and they can bring rashes, "
               "sun sensitivity and low white-cell counts. Tell anyone prescribing an antibiotic "
               "that you have lupus.", PETRI_1992, BERRY_2019, LFA_INFECTIONS),
        )),
        Section("Your own diary", (
            _s("The insights page only says which things went together in your diary. It "
               "cannot show that one thing brings on another; talk about patterns with your "
               "care team.", ALTMAN_2015),
        )),
    )),
    Page("treatments", "Treatments and side effects", "What your medicines do and what to watch for.", (
        Section("Hydroxychloroquine", (
            _s("Hydroxychloroquine is recommended for everyone with lupus unless there is a "
               "reason not to take it.", EULAR_2023),
            _s(EXPECTATIONS["hydroxychloroquine"].text, *EXPECTATIONS["hydroxychloroquine"].sources),
            _s("Possible side effects include stomach upset, darker patches of skin and, "
               "rarely, changes in vision.", ACR_HCQ),
            _s("Because of a rare effect on the retina, people taking hydroxychloroquine have "
               "an eye check within the first year and every year after 5 years (sooner with "
               "risk factors). The dose is kept at or below 5 mg per kg of body weight a day.",
               AAO_2016, EULAR_2023),
        )),
        Section("Glucocorticoids (steroids such as prednisone)", (
            _s("Steroids work quickly in a flare, but long-term use has side effects, so the "
               "aim is the lowest dose for the shortest time: 5 mg a day of prednisone or less "
               "for maintenance, and stopping when possible.", EULAR_2023),
        )),
        Section("Other medicines", (
            _s("Medicines that calm the immune system (such as methotrexate, azathioprine, "
               "mycophenolate) and biologics (such as belimumab and anifrolumab) are used when "
               "hydroxychloroquine alone is not enough or to reduce steroids.", EULAR_2023),
            _s("These medicines can make infections more likely: a fever while taking them "
               "needs a prompt call to your care team.", LFA_INFECTIONS),
        )),
    )),
    Page("kidneys", "Kidney warning signs", "Lupus nephritis can be silent; know the signs.", (
        Section("Signs to report", (
            _s("Foamy urine, swelling of the legs, ankles or around the eyes, blood in the "
               "urine and high blood pressure can be signs of lupus affecting the kidneys "
               "(lupus nephritis).", USINLUPUS_LN),
            _s("Lupus nephritis often causes no symptoms at first: regular urine and blood "
               "tests are how it is found early.", USINLUPUS_LN, KDIGO_LN_2024),
            _s("If you notice foamy urine together with swelling, tell your care team "
               "promptly; the diary also alerts them.", USINLUPUS_LN),
        )),
    )),
    Page("cell-therapy", "Stem-cell and CAR-T therapy", "What is known, and where it is offered safely.", (
        Section("Mesenchymal stromal cells (often called 'stem cells')", (
            _s("Mesenchymal stromal cells have been tested in small lupus studies. The only "
               "double-blind randomised trial in a major journal, in lupus nephritis, found no "
               "added benefit over standard treatment and was stopped early.", DENG_2017),
            _s("No stem-cell product is approved for lupus. Outside a clinical trial under "
               "regulatory oversight these products should not be offered.", FDA_REGEN),
        )),
        Section("CAR-T cell therapy", (
            _s("CD19 CAR-T cells have put small numbers of people with severe, hard-to-treat "
               "lupus into remission in early reports (5 patients in 2022, 8 with lupus in "
               "2024).", MACKENSEN_2022, MULLER_2024),
            _s("CAR-T is not an approved lupus treatment. It is given in clinical trials or, "
               "for a few people with severe lupus and no other option, under compassionate use "
               "(called expanded access in the US): the first five patients, in 2022, were "
               "treated that way. It needs chemotherapy beforehand and has serious possible side "
               "effects.", MACKENSEN_2022, FDA_EXPANDED_ACCESS, MULLER_2024),
        )),
        Section("Unapproved clinics: FDA warnings", (
            _s("The FDA has received reports of blindness, tumours and infections after "
               "unapproved 'stem cell' treatments.", FDA_REGEN),
            _s("If you are charged for these products or offered them outside a clinical "
               "trial, the FDA says you are likely being deceived. A listing on "
               "clinicaltrials.gov or being 'registered with FDA' does not mean a treatment is "
               "approved.", FDA_REGEN),
            _s("In the US, harm from these products can be reported to FDA MedWatch.", FDA_REGEN),
        )),
    )),
    Page("myths", "Common myths, corrected", "What the evidence says.", (
        Section("Myths", (
            _s("Myth: mesenchymal stromal cells turn into any cell the body needs. Fact: they "
               "are defined by growing into bone, fat and cartilage cells in the laboratory; "
               "they are not cells that can become 'any cell'.", DOMINICI_2006),
            _s("Myth: antibiotics cause lupus. Fact: antibiotics are not a general cause of "
               "lupus. A few medicines (for example hydralazine, procainamide and isoniazid, "
               "and the antibiotic minocycline) can cause drug-induced lupus, which usually "
               "goes away when the medicine is stopped.", PHADIA_DIL, DIL_MINOCYCLINE),
            _s("Myth: there is an approved stem-cell cure for lupus. Fact: no stem-cell product "
               "is approved for lupus; they are used only in clinical trials.", FDA_REGEN),
            _s("Myth: lupus is contagious. Fact: you cannot catch lupus from anyone.",
               LFA_WHAT_IS),
        )),
    )),
)

PAGES_BY_SLUG: dict[str, Page] = {p.slug: p for p in PAGES}
