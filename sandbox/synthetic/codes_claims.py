"""Claim code tables: CPT/HCPCS/CDT services with fee-schedule amounts, NUBC revenue codes, MS-DRGs,
ICD-10-PCS procedures, NUCC taxonomy, place of service, and yearly Medicare cost sharing.

Allowed amounts approximate national Medicare fee-schedule and OPPS payments; charges are the
allowed amount times a provider markup, as on real claims.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    system: str  # "cpt", "hcpcs" or "cdt"
    code: str
    display: str
    allowed: float
    markup: float = 2.4


SERVICES: dict[str, Service] = {
    s.code: s
    for s in (
        # Evaluation and management, preventive (CPT / HCPCS Level II).
        Service("cpt", "99213", "Office or other outpatient visit, established patient, low MDM", 92.00),
        Service("cpt", "99214", "Office or other outpatient visit, established patient, moderate MDM", 131.00),
        Service("cpt", "99223", "Initial hospital inpatient or observation care, high MDM", 270.00),
        Service(
            "cpt", "99238", "Hospital inpatient or observation discharge day management; 30 minutes or less", 75.00
        ),
        Service("cpt", "99285", "Emergency department visit, high MDM", 180.00),
        Service(
            "cpt", "99392", "Periodic comprehensive preventive medicine reevaluation, age 1 through 4 years", 105.00
        ),
        Service(
            "cpt", "99393", "Periodic comprehensive preventive medicine reevaluation, age 5 through 11 years", 102.00
        ),
        Service(
            "hcpcs",
            "G0438",
            "Annual wellness visit; includes a personalized prevention plan of service (PPS), initial visit",
            170.00,
        ),
        Service(
            "hcpcs",
            "G0439",
            "Annual wellness visit, includes a personalized prevention plan of service (PPS), subsequent visit",
            130.00,
        ),
        # Cardiology, procedures.
        Service(
            "cpt",
            "93000",
            "Electrocardiogram, routine ECG with at least 12 leads; with interpretation and report",
            17.00,
        ),
        Service("cpt", "93005", "Electrocardiogram, routine ECG with at least 12 leads; tracing only", 45.00),
        Service(
            "cpt",
            "93010",
            "Electrocardiogram, routine ECG with at least 12 leads; interpretation and report only",
            8.50,
        ),
        Service(
            "cpt",
            "93306",
            "Echocardiography, transthoracic, complete, with spectral and color flow Doppler",
            520.00,
            3.2,
        ),
        Service(
            "cpt",
            "33208",
            "Insertion of new or replacement of permanent pacemaker with transvenous electrode(s); "
            "atrial and ventricular",
            460.00,
        ),
        Service(
            "cpt",
            "92928",
            "Percutaneous transcatheter placement of intracoronary stent(s), with coronary angioplasty when performed; "
            "single major coronary artery or branch",
            520.00,
        ),
        Service(
            "cpt",
            "36558",
            "Insertion of tunneled centrally inserted central venous catheter, without subcutaneous port or pump; "
            "age 5 years or older",
            255.00,
        ),
        Service(
            "cpt",
            "90954",
            "End-stage renal disease (ESRD) related services monthly, for patients 2-11 years of age; "
            "with 4 or more face-to-face visits per month",
            640.00,
            1.8,
        ),
        # Laboratory and imaging (hospital outpatient).
        Service("cpt", "80048", "Basic metabolic panel (Calcium, total)", 8.50, 4.0),
        Service(
            "cpt", "85025", "Blood count; complete (CBC), automated and automated differential WBC count", 7.80, 4.0
        ),
        Service("cpt", "80061", "Lipid panel", 13.40, 4.0),
        Service("cpt", "83036", "Hemoglobin; glycosylated (A1C)", 9.70, 4.0),
        Service("cpt", "84443", "Thyroid stimulating hormone (TSH)", 16.80, 4.0),
        Service("cpt", "71046", "Radiologic examination, chest; 2 views", 62.00, 3.0),
        # Implants billed on institutional claims (HCPCS C-codes).
        Service("hcpcs", "C1785", "Pacemaker, dual chamber, rate-responsive (implantable)", 6100.00, 2.0),
        Service("hcpcs", "C1874", "Stent, coated/covered, with delivery system", 1650.00, 2.5),
        Service("hcpcs", "C1750", "Catheter, hemodialysis/peritoneal, long-term", 310.00, 2.5),
        # Dental (CDT).
        Service("cdt", "D0120", "periodic oral evaluation - established patient", 48.00, 1.3),
        Service("cdt", "D0150", "comprehensive oral evaluation - new or established patient", 82.00, 1.3),
        Service("cdt", "D0274", "bitewings - four radiographic images", 62.00, 1.3),
        Service("cdt", "D1110", "prophylaxis - adult", 92.00, 1.3),
        Service("cdt", "D1120", "prophylaxis - child", 64.00, 1.3),
        Service("cdt", "D1206", "topical application of fluoride varnish", 34.00, 1.3),
        Service("cdt", "D2391", "resin-based composite - one surface, posterior", 148.00, 1.3),
    )
}

# NUBC revenue codes used on institutional claims.
REVENUE_CODES: dict[str, str] = {
    "0120": "Room & Board - Semi-Private Two Bed - General",
    "0250": "Pharmacy - General",
    "0278": "Medical/Surgical Supplies - Other Implants",
    "0300": "Laboratory - General",
    "0320": "Radiology - Diagnostic - General",
    "0360": "Operating Room Services - General",
    "0450": "Emergency Room - General",
    "0481": "Cardiology - Cardiac Cath Lab",
    "0483": "Cardiology - Echocardiology",
    "0730": "EKG/ECG - General",
}

# NUBC type of bill (4 digits, leading zero).
TOB_INPATIENT = ("0111", "Hospital Inpatient (Part A) - Admit Through Discharge Claim")
TOB_OUTPATIENT = ("0131", "Hospital Outpatient - Admit Through Discharge Claim")


@dataclass(frozen=True)
class Stay:
    """An inpatient story: principal diagnosis, MS-DRG, ICD-10-PCS procedures, implant, CPT for the proceduralist."""

    key: str
    admit_dx: str  # ACUTE key of the ED symptom (admitting diagnosis)
    principal_dx: str  # ACUTE key
    drg: str
    drg_display: str
    drg_payment: float
    pcs: tuple[tuple[str, str], ...]
    procedure_snomed: tuple[str, str] | None
    cpt: str | None  # proceduralist's CPT
    device: str | None  # DEVICES key
    implant_hcpcs: str | None
    procedure_revenue: str | None
    nights: tuple[int, int]


STAYS: dict[str, Stay] = {
    s.key: s
    for s in (
        Stay(
            "pacemaker",
            "syncope",
            "sick_sinus",
            "244",
            "Permanent Cardiac Pacemaker Implant without CC/MCC",
            14950.00,
            (
                (
                    "0JH606Z",
                    "Insertion of Pacemaker, Dual Chamber into Chest Subcutaneous Tissue and Fascia, Open Approach",
                ),
                ("02H63JZ", "Insertion of Pacemaker Lead into Right Atrium, Percutaneous Approach"),
                ("02HK3JZ", "Insertion of Pacemaker Lead into Right Ventricle, Percutaneous Approach"),
            ),
            ("307280005", "Implantation of cardiac pacemaker (procedure)"),
            "33208",
            "pacemaker",
            "C1785",
            "0360",
            (1, 2),
        ),
        Stay(
            "stent",
            "chest_pain",
            "unstable_angina",
            "322",
            "Percutaneous Cardiovascular Procedures with Intraluminal Device without MCC",
            17420.00,
            (
                (
                    "027034Z",
                    "Dilation of Coronary Artery, One Artery with Drug-eluting Intraluminal Device, "
                    "Percutaneous Approach",
                ),
            ),
            ("36969009", "Placement of stent in coronary artery (procedure)"),
            "92928",
            "stent",
            "C1874",
            "0481",
            (1, 3),
        ),
        Stay(
            "pneumonia",
            "pneumonia",
            "pneumonia",
            "195",
            "Simple Pneumonia and Pleurisy without CC/MCC",
            5610.00,
            (),
            None,
            None,
            None,
            None,
            None,
            (2, 4),
        ),
        Stay(
            "dialysis_access",
            "hyperkalemia",
            "hyperkalemia",
            "641",
            "Miscellaneous Disorders of Nutrition, Metabolism, Fluids and Electrolytes without MCC",
            6080.00,
            (("02HV33Z", "Insertion of Infusion Device into Superior Vena Cava, Percutaneous Approach"),),
            ("233527006", "Central venous cannula insertion (procedure)"),
            "36558",
            "catheter",
            "C1750",
            "0360",
            (2, 3),
        ),
    )
}

# NUCC provider taxonomy (Health Care Provider Taxonomy code set).
TAXONOMY: dict[str, str] = {
    "207R00000X": "Internal Medicine Physician",
    "207Q00000X": "Family Medicine Physician",
    "207RC0000X": "Cardiovascular Disease Physician",
    "207P00000X": "Emergency Medicine Physician",
    "208M00000X": "Hospitalist Physician",
    "207RN0300X": "Nephrology Physician",
    "208000000X": "Pediatrics Physician",
    "1223G0001X": "General Practice Dentist",
    "1835P1300X": "Pharmacotherapy Pharmacist",
    "282N00000X": "General Acute Care Hospital",
    "261QP2300X": "Primary Care Clinic/Center",
    "291U00000X": "Clinical Medical Laboratory",
    "3336C0003X": "Community/Retail Pharmacy",
    "1223X0400X": "Orthodontics and Dentofacial Orthopedics Dentist",
    "261QE0700X": "End-Stage Renal Disease (ESRD) Treatment Clinic/Center",
    "122300000X": "Dentist",
}

PLACE_OF_SERVICE: dict[str, str] = {
    "10": "Telehealth Provided in Patient's Home",
    "11": "Office",
    "21": "Inpatient Hospital",
    "22": "On Campus-Outpatient Hospital",
    "23": "Emergency Room - Hospital",
}

# Original Medicare cost sharing by calendar year: (Part A inpatient deductible, Part B deductible).
MEDICARE_DEDUCTIBLES: dict[int, tuple[float, float]] = {
    2021: (1484.00, 203.00),
    2022: (1556.00, 233.00),
    2023: (1600.00, 226.00),
    2024: (1632.00, 240.00),
    2025: (1676.00, 257.00),
}

# X12 claim adjustment reason codes used on denied or reduced lines.
CARC_NONCOVERED = ("96", "Non-covered charge(s).")
CARC_DEDUCTIBLE = ("1", "Deductible Amount")
CARC_COINSURANCE = ("2", "Coinsurance Amount")
CARC_COPAY = ("3", "Co-payment Amount")
CARC_CONTRACTUAL = ("45", "Charge exceeds fee schedule/maximum allowable or contracted/legislated fee arrangement.")
