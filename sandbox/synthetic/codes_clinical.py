"""Clinical code tables: problems, drugs, labs, vital signs, immunizations, allergies, social history.

Codes are real codes of their systems (SNOMED CT, ICD-10-CM, RxNorm, NDC, LOINC, CVX, UCUM);
the combinations (which drug treats which problem, which lab follows which drug) are
ordinary clinical practice. Displays follow each system's preferred wording.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """A chronic problem: ICD-10-CM for claims, SNOMED CT for the clinical record."""

    key: str
    icd10: str
    icd10_display: str
    snomed: str
    snomed_display: str
    drug: str | None = None
    lab: str | None = None
    specialist: bool = False


PROBLEMS: dict[str, Problem] = {
    p.key: p
    for p in (
        Problem(
            "htn",
            "I10",
            "Essential (primary) hypertension",
            "59621000",
            "Essential hypertension (disorder)",
            "amlodipine",
        ),
        Problem(
            "hld",
            "E78.5",
            "Hyperlipidemia, unspecified",
            "55822004",
            "Hyperlipidemia (disorder)",
            "atorvastatin",
            "lipid",
        ),
        Problem(
            "dm2",
            "E11.9",
            "Type 2 diabetes mellitus without complications",
            "44054006",
            "Diabetes mellitus type 2 (disorder)",
            "insulin",
            "a1c",
        ),
        Problem(
            "hypothyroid",
            "E03.9",
            "Hypothyroidism, unspecified",
            "40930008",
            "Hypothyroidism (disorder)",
            "levothyroxine",
            "tsh",
        ),
        Problem(
            "afib",
            "I48.91",
            "Unspecified atrial fibrillation",
            "49436004",
            "Atrial fibrillation (disorder)",
            "apixaban",
            specialist=True,
        ),
        Problem(
            "cad",
            "I25.10",
            "Atherosclerotic heart disease of native coronary artery without angina pectoris",
            "53741008",
            "Coronary arteriosclerosis (disorder)",
            "clopidogrel",
            "lipid",
            specialist=True,
        ),
        Problem(
            "depression", "F32.A", "Depression, unspecified", "35489007", "Depressive disorder (disorder)", "fluoxetine"
        ),
        Problem(
            "copd",
            "J44.9",
            "Chronic obstructive pulmonary disease, unspecified",
            "13645005",
            "Chronic obstructive lung disease (disorder)",
            "albuterol",
        ),
        Problem(
            "ckd3",
            "N18.30",
            "Chronic kidney disease, stage 3 unspecified",
            "433144002",
            "Chronic kidney disease stage 3 (disorder)",
            lab="bmp",
        ),
        Problem(
            "oa_knee",
            "M17.11",
            "Unilateral primary osteoarthritis, right knee",
            "239873007",
            "Osteoarthritis of knee (disorder)",
        ),
        Problem(
            "esrd",
            "N18.6",
            "End stage renal disease",
            "46177005",
            "End-stage renal disease (disorder)",
            lab="bmp",
            specialist=True,
        ),
        Problem(
            "asthma", "J45.909", "Unspecified asthma, uncomplicated", "195967001", "Asthma (disorder)", "albuterol"
        ),
        Problem(
            "htn_child",
            "I15.1",
            "Hypertension secondary to other renal disorders",
            "49220004",
            "Hypertensive renal disease (disorder)",
            "amlodipine",
        ),
    )
}

# Chronic problems an adult beneficiary may have besides hypertension (always present), with weights.
ADULT_PROBLEM_POOL: tuple[tuple[str, int], ...] = (
    ("hld", 6),
    ("dm2", 4),
    ("cad", 3),
    ("afib", 2),
    ("hypothyroid", 2),
    ("depression", 2),
    ("copd", 2),
    ("ckd3", 2),
    ("oa_knee", 3),
)
CHILD_PROBLEMS: tuple[str, ...] = ("esrd", "htn_child", "asthma")


@dataclass(frozen=True)
class Acute:
    """An encounter diagnosis (symptom or acute illness)."""

    key: str
    icd10: str
    icd10_display: str
    snomed: str
    snomed_display: str


ACUTE: dict[str, Acute] = {
    a.key: a
    for a in (
        Acute("syncope", "R55", "Syncope and collapse", "271594007", "Syncope (disorder)"),
        Acute("sick_sinus", "I49.5", "Sick sinus syndrome", "36083008", "Sick sinus syndrome (disorder)"),
        Acute("chest_pain", "R07.9", "Chest pain, unspecified", "29857009", "Chest pain (finding)"),
        Acute(
            "unstable_angina",
            "I25.110",
            "Atherosclerotic heart disease of native coronary artery with unstable angina pectoris",
            "4557003",
            "Preinfarction syndrome (disorder)",
        ),
        Acute("pneumonia", "J18.9", "Pneumonia, unspecified organism", "233604007", "Pneumonia (disorder)"),
        Acute("hyperkalemia", "E87.5", "Hyperkalemia", "14140009", "Hyperkalemia (disorder)"),
    )
}

# Social-needs health concern found by the Hunger Vital Sign screening.
FOOD_INSECURITY = Acute("food_insecurity", "Z59.41", "Food insecurity", "733423003", "Food insecurity (finding)")


@dataclass(frozen=True)
class Drug:
    """A dispensable product: RxNorm clinical drug for the record, the package NDC (11 digits) for the claim."""

    key: str
    rxnorm: str
    rxnorm_display: str
    ndc: str
    ndc_display: str
    brand: bool
    sig: str
    dose_value: float
    dose_unit: str
    dose_code: str
    frequency: int
    quantity: float
    quantity_unit: str
    quantity_code: str
    cost_90_days: float
    copay: float


DRUGS: dict[str, Drug] = {
    d.key: d
    for d in (
        Drug(
            "amlodipine",
            "197361",
            "amlodipine 5 MG Oral Tablet",
            "00069153068",
            "Norvasc 5 mg, 90 TABLET in 1 BOTTLE",
            True,
            "Take 1 tablet by mouth once daily",
            1,
            "tablet",
            "{tbl}",
            1,
            90,
            "tablet",
            "{tbl}",
            412.50,
            47.00,
        ),
        Drug(
            "atorvastatin",
            "259255",
            "atorvastatin 80 MG Oral Tablet",
            "00071015823",
            "Lipitor 80 mg, 90 TABLET in 1 BOTTLE",
            True,
            "Take 1 tablet by mouth at bedtime",
            1,
            "tablet",
            "{tbl}",
            1,
            90,
            "tablet",
            "{tbl}",
            1236.90,
            47.00,
        ),
        Drug(
            "insulin",
            "106892",
            "insulin human isophane 70 UNT/ML / Regular Insulin Human 30 UNT/ML Injectable Suspension [Humulin]",
            "00002871501",
            "Humulin 70/30, 10 mL in 1 VIAL",
            True,
            "Inject 15 units under the skin twice daily before meals",
            15,
            "U",
            "[iU]",
            2,
            30,
            "mL",
            "mL",
            465.00,
            35.00,
        ),
        Drug(
            "levothyroxine",
            "966222",
            "levothyroxine sodium 0.075 MG Oral Tablet",
            "00074518290",
            "Synthroid 75 mcg, 90 TABLET in 1 BOTTLE",
            True,
            "Take 1 tablet by mouth every morning on an empty stomach",
            1,
            "tablet",
            "{tbl}",
            1,
            90,
            "tablet",
            "{tbl}",
            396.00,
            47.00,
        ),
        Drug(
            "apixaban",
            "1364445",
            "apixaban 5 MG Oral Tablet",
            "00003089421",
            "Eliquis 5 mg, 60 TABLET in 1 BOTTLE",
            True,
            "Take 1 tablet by mouth twice daily",
            1,
            "tablet",
            "{tbl}",
            2,
            180,
            "tablet",
            "{tbl}",
            1608.00,
            141.00,
        ),
        Drug(
            "clopidogrel",
            "309362",
            "clopidogrel 75 MG Oral Tablet",
            "63653117103",
            "Plavix 75 mg, 30 TABLET in 1 BOTTLE",
            True,
            "Take 1 tablet by mouth once daily",
            1,
            "tablet",
            "{tbl}",
            1,
            90,
            "tablet",
            "{tbl}",
            786.00,
            47.00,
        ),
        Drug(
            "fluoxetine",
            "310385",
            "fluoxetine 20 MG Oral Capsule",
            "00777310502",
            "Prozac 20 mg, 100 CAPSULE in 1 BOTTLE",
            True,
            "Take 1 capsule by mouth once daily",
            1,
            "capsule",
            "{cap}",
            1,
            90,
            "capsule",
            "{cap}",
            1890.00,
            47.00,
        ),
        Drug(
            "albuterol",
            "745679",
            "200 ACTUAT albuterol 0.09 MG/ACTUAT Metered Dose Inhaler",
            "00173068220",
            "Ventolin HFA, 1 INHALER in 1 CARTON (18 g, 200 actuations)",
            True,
            "Inhale 2 puffs by mouth every 4 to 6 hours as needed for wheezing",
            2,
            "puff",
            "{puff}",
            4,
            54,
            "g",
            "g",
            246.00,
            45.00,
        ),
    )
}


@dataclass(frozen=True)
class LabTest:
    loinc: str
    display: str
    unit: str
    low: float
    high: float
    decimals: int


LAB_TESTS: dict[str, LabTest] = {
    t.loinc: t
    for t in (
        LabTest("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 70, 99, 0),
        LabTest("3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "mg/dL", 7, 20, 0),
        LabTest("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.6, 1.3, 2),
        LabTest("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 136, 145, 0),
        LabTest("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 3.5, 5.1, 1),
        LabTest("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL", 4.0, 11.0, 1),
        LabTest("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 12.0, 17.5, 1),
        LabTest("4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "%", 36.0, 50.0, 1),
        LabTest("777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL", 150, 400, 0),
        LabTest("2093-3", "Cholesterol [Mass/volume] in Serum or Plasma", "mg/dL", 125, 200, 0),
        LabTest("2571-8", "Triglyceride [Mass/volume] in Serum or Plasma", "mg/dL", 40, 150, 0),
        LabTest("2085-9", "Cholesterol in HDL [Mass/volume] in Serum or Plasma", "mg/dL", 40, 80, 0),
        LabTest("18262-6", "Cholesterol in LDL [Mass/volume] in Serum or Plasma by Direct assay", "mg/dL", 50, 100, 0),
        LabTest("4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", "%", 4.0, 5.6, 1),
        LabTest("3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", "m[IU]/L", 0.4, 4.0, 2),
    )
}


@dataclass(frozen=True)
class LabPanel:
    key: str
    loinc: str
    display: str
    tests: tuple[str, ...]
    cpt: str
    specimen: str  # key of SPECIMEN_TYPES


LAB_PANELS: dict[str, LabPanel] = {
    p.key: p
    for p in (
        LabPanel(
            "bmp",
            "51990-0",
            "Basic metabolic panel - Blood",
            ("2345-7", "3094-0", "2160-0", "2951-2", "2823-3"),
            "80048",
            "serum",
        ),
        LabPanel(
            "cbc",
            "58410-2",
            "CBC panel - Blood by Automated count",
            ("6690-2", "718-7", "4544-3", "777-3"),
            "85025",
            "blood",
        ),
        LabPanel(
            "lipid",
            "57698-3",
            "Lipid panel with direct LDL - Serum or Plasma",
            ("2093-3", "2571-8", "2085-9", "18262-6"),
            "80061",
            "serum",
        ),
        LabPanel("a1c", "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood", ("4548-4",), "83036", "blood"),
        LabPanel("tsh", "3016-3", "Thyrotropin [Units/volume] in Serum or Plasma", ("3016-3",), "84443", "serum"),
    )
}

SPECIMEN_TYPES: dict[str, tuple[str, str]] = {
    "serum": ("119364003", "Serum specimen (specimen)"),
    "blood": ("119297000", "Blood specimen (specimen)"),
}

# Vital signs: key -> (US Core profile, LOINC, display, UCUM unit).
VITALS: dict[str, tuple[str, str, str, str]] = {
    "bp": ("us-core-blood-pressure", "85354-9", "Blood pressure panel with all children optional", "mm[Hg]"),
    "hr": ("us-core-heart-rate", "8867-4", "Heart rate", "/min"),
    "rr": ("us-core-respiratory-rate", "9279-1", "Respiratory rate", "/min"),
    "temp": ("us-core-body-temperature", "8310-5", "Body temperature", "Cel"),
    "height": ("us-core-body-height", "8302-2", "Body height", "cm"),
    "weight": ("us-core-body-weight", "29463-7", "Body weight", "kg"),
    "bmi": ("us-core-bmi", "39156-5", "Body mass index (BMI) [Ratio]", "kg/m2"),
    "spo2": ("us-core-pulse-oximetry", "59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    "head": ("us-core-head-circumference", "9843-4", "Head Occipital-frontal circumference", "cm"),
    "head_pct": (
        "head-occipital-frontal-circumference-percentile",
        "8289-1",
        "Head Occipital-frontal circumference Percentile",
        "%",
    ),
    "wfl_pct": ("pediatric-weight-for-height", "77606-2", "Weight-for-length Per age and sex", "%"),
    "bmi_pct": ("pediatric-bmi-for-age", "59576-9", "Body mass index (BMI) [Percentile] Per age and sex", "%"),
}

# Smoking status answers (SNOMED CT) with weights for adults.
SMOKING: tuple[tuple[str, str, int], ...] = (
    ("266919005", "Never smoked tobacco (finding)", 50),
    ("8517006", "Ex-smoker (finding)", 35),
    ("449868002", "Smokes tobacco daily (finding)", 10),
    ("428041000124106", "Occasional tobacco smoker (finding)", 5),
)

# Hunger Vital Sign item 88122-7 answers; the first two mean food insecurity.
HVS_ANSWERS: tuple[tuple[str, str], ...] = (
    ("LA28397-0", "Often true"),
    ("LA28398-8", "Sometimes true"),
    ("LA28399-6", "Never true"),
)


@dataclass(frozen=True)
class Vaccine:
    cvx: str
    display: str


VACCINES: dict[str, Vaccine] = {
    v.cvx: v
    for v in (
        Vaccine("197", "influenza, high-dose, quadrivalent"),
        Vaccine("150", "Influenza, injectable, quadrivalent, preservative free"),
        Vaccine("216", "Pneumococcal conjugate PCV 20, polysaccharide CRM197 conjugate, adjuvant, preservative free"),
        Vaccine("187", "zoster vaccine recombinant"),
        Vaccine("115", "tetanus toxoid, reduced diphtheria toxoid, and acellular pertussis vaccine, adsorbed"),
        Vaccine("20", "diphtheria, tetanus toxoids and acellular pertussis vaccine"),
        Vaccine("03", "measles, mumps and rubella virus vaccine"),
        Vaccine("21", "varicella virus vaccine"),
    )
}


@dataclass(frozen=True)
class Allergy:
    system: str
    code: str
    display: str
    category: str | None
    criticality: str | None
    reaction: tuple[str, str] | None  # SNOMED manifestation
    severity: str | None


RXNORM_URI = "http://www.nlm.nih.gov/research/umls/rxnorm"
SCT_URI = "http://snomed.info/sct"

ALLERGIES: tuple[tuple[Allergy, int], ...] = (
    (
        Allergy(
            RXNORM_URI,
            "7984",
            "penicillin V",
            "medication",
            "high",
            ("271807003", "Eruption of skin (disorder)"),
            "moderate",
        ),
        5,
    ),
    (
        Allergy(
            RXNORM_URI, "10180", "sulfamethoxazole", "medication", "low", ("126485001", "Urticaria (disorder)"), "mild"
        ),
        3,
    ),
    (Allergy(RXNORM_URI, "2670", "codeine", "medication", "low", ("422587007", "Nausea (finding)"), "mild"), 2),
    (
        Allergy(
            SCT_URI, "762952008", "Peanut (substance)", "food", "high", ("39579001", "Anaphylaxis (disorder)"), "severe"
        ),
        2,
    ),
    (
        Allergy(
            SCT_URI,
            "256277009",
            "Grass pollen (substance)",
            "environment",
            "low",
            ("76067001", "Sneezing (finding)"),
            "mild",
        ),
        3,
    ),
    (Allergy(SCT_URI, "716186003", "No known allergy (situation)", None, None, None, None), 6),
)

# Implantable devices: key -> (SNOMED type, display, manufacturer, model, GTIN device identifier).
DEVICES: dict[str, tuple[str, str, str, str, str]] = {
    "pacemaker": (
        "14106009",
        "Cardiac pacemaker, device (physical object)",
        "Meridian Cardiac Systems",
        "MCS-DR2",
        "00643169007222",
    ),
    "stent": (
        "705643001",
        "Coronary artery stent (physical object)",
        "Arclight Vascular",
        "AV-DES 3.0x18",
        "08717648200274",
    ),
    "catheter": (
        "52124006",
        "Central venous catheter, device (physical object)",
        "Northgate Medical",
        "NG-HD 14.5F",
        "00801741077513",
    ),
}

# Encounter types (SNOMED CT, descendants of 308335008 |Patient encounter procedure|).
ENCOUNTER_TYPES: dict[str, tuple[str, str]] = {
    "checkup": ("185349003", "Encounter for check up (procedure)"),
    "well_child": ("410620009", "Well child visit (procedure)"),
    "emergency": ("50849002", "Emergency room admission (procedure)"),
    "admission": ("183452005", "Emergency hospital admission (procedure)"),
}

# Languages (BCP 47) with display.
LANGUAGES: dict[str, str] = {"en": "English", "es": "Spanish", "zh": "Chinese", "vi": "Vietnamese"}
