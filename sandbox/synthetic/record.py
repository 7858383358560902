"""One beneficiary's longitudinal record, told as a story from 2022 to mid-2025.

The story decides what happens (yearly wellness visits with vitals, labs and screenings, chronic-care
visits, an emergency visit that ends in a hospital stay with an implant, sometimes a pneumonia stay,
prescriptions and their refills, dental visits, immunizations) and writes both the clinical record
(US Core) and the claims a payer would hold for the same events (CARIN Blue Button), so the two
agree: a claim's diagnoses are the patient's Conditions, an inpatient claim points at its Encounter,
a pharmacy claim bills the NDC of a MedicationDispense of the prescription it names.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from . import care, clinical, meds, observations
from .chart import HISTORY_START, Chart, ProblemEntry, age_on
from .claims import Accumulator, ClaimSpec, Line
from .claims_build import build_eob
from .codes_claims import SERVICES, STAYS, Stay
from .codes_clinical import ACUTE, ADULT_PROBLEM_POOL, CHILD_PROBLEMS, DRUGS, FOOD_INSECURITY, LAB_PANELS, PROBLEMS
from .fhir import CPT, SCT, Resource, cc, cc_multi, coding
from .patient import coverages, patient, related_person
from .people import demographics
from .shared import staff

SPECIFIC_LABS = ("a1c", "tsh", "lipid")


def _choose_problems(chart: Chart) -> list[str]:
    rng = chart.rng
    if chart.child:
        return list(CHILD_PROBLEMS)
    keys = ["htn"]
    pool = list(ADULT_PROBLEM_POOL)
    for _ in range(rng.choice((2, 2, 3))):
        total = sum(w for _, w in pool)
        x = rng.random() * total
        for n, (key, w) in enumerate(pool):
            x -= w
            if x < 0:
                keys.append(key)
                del pool[n]
                break
    if sum(1 for k in keys if PROBLEMS[k].drug) < 2:
        keys.append("hld" if "hld" not in keys else "hypothyroid")
    return keys


def _problem_onset(chart: Chart) -> date:
    d = chart.demo
    rng = chart.rng
    if chart.child:
        return d.birth_date + timedelta(days=rng.randrange(20, 150))
    earliest = max(date(2005, 1, 1), date(d.birth_date.year + 35, 1, 1))
    span = (date(2021, 6, 30) - earliest).days
    return earliest + timedelta(days=rng.randrange(max(span, 1)))


class Story:
    def __init__(self, chart: Chart) -> None:
        self.chart = chart
        self.rng = chart.rng
        self.claims: list[ClaimSpec] = []
        self.pcp = chart.pcp_role
        self.pcp_taxonomy = staff(chart.region, self.pcp).taxonomy

    # -- helpers ---------------------------------------------------------------------------------

    def problem_ids(self) -> list[str]:
        return [p.condition_id for p in self.chart.problems.values()]

    def problem_icds(self, limit: int = 4) -> list[str]:
        return [p.problem.icd10 for p in self.chart.problems.values()][:limit]

    def day_in(self, year: int, months: tuple[int, int]) -> date:
        return date(year, self.rng.randint(*months), self.rng.randint(1, 28))

    def professional(
        self,
        when: date,
        role: str,
        org_kind: str,
        lines: list[Line],
        diagnoses: list[str],
        *,
        end: date | None = None,
        referring: str | None = None,
    ) -> None:
        s = staff(self.chart.region, role)
        self.claims.append(
            ClaimSpec(
                kind="professional",
                start=when,
                end=end or when,
                provider=self.chart.org(org_kind),
                facility_kind=org_kind,
                lines=lines,
                diagnoses=diagnoses,
                rendering=self.chart.practitioner(role),
                rendering_taxonomy=s.taxonomy,
                specialist=role in ("cardio", "nephro"),
                referring=self.chart.practitioner(referring) if referring else None,
            )
        )

    # -- the record ------------------------------------------------------------------------------

    def problems(self) -> None:
        chart = self.chart
        for key in _choose_problems(chart):
            onset = _problem_onset(chart)
            recorded = max(onset, HISTORY_START - timedelta(days=self.rng.randrange(30, 400)))
            cond = clinical.problem_condition(chart, PROBLEMS[key], onset, recorded)
            chart.problems[key] = ProblemEntry(PROBLEMS[key], cond["id"], onset)

    def wellness_visit(self, year: int) -> tuple[date, str, str]:
        chart = self.chart
        when = self.day_in(year, (2, 5))
        if chart.child:
            service = "99392" if age_on(chart.demo.birth_date, when) < 5 else "99393"
            kind = "well_child"
        else:
            service = "G0438" if year == 2022 and chart.demo.medicare_start >= date(2021, 1, 1) else "G0439"
            kind = "checkup"
        cpt = (service, SERVICES[service].display) if SERVICES[service].system == "cpt" else None
        enc = clinical.encounter(
            chart,
            kind=kind,
            start=when,
            practitioner_role=self.pcp,
            org_kind="clinic",
            cpt=cpt,
            reasons=self.problem_ids()[:2],
        )
        start = enc["period"]["start"]
        observations.vital_signs(chart, when, start, enc["id"], full=year in (2022, 2024) or chart.child)
        self.professional(when, self.pcp, "clinic", [Line(service, encounter_id=enc["id"])], self.problem_icds())
        return when, enc["id"], start

    def labs(self, when: date, encounter_id: str, panels: list[str]) -> None:
        chart = self.chart
        drawn_day = when + timedelta(days=self.rng.randrange(0, 4))
        drawn = chart.uniform_time(drawn_day, 7, 11)
        issued = drawn[:11] + "19:30:00Z"
        lines = []
        for panel_key in panels:
            reason = next(
                (p for p in chart.problems.values() if p.problem.lab == panel_key), next(iter(chart.problems.values()))
            )
            order = observations.lab_order(chart, panel_key, when, drawn_day, [reason.condition_id], encounter_id)
            spec = observations.specimen(chart, LAB_PANELS[panel_key].specimen, drawn, order["id"])
            observations.lab_panel(chart, panel_key, drawn, issued, spec["id"], order["id"], encounter_id)
            dx_index = list(chart.problems.values()).index(reason) + 1
            lines.append(Line(LAB_PANELS[panel_key].cpt, revenue="0300", when=drawn_day, dx=(dx_index,)))
        self.claims.append(
            ClaimSpec(
                kind="outpatient",
                start=drawn_day,
                end=drawn_day,
                provider=chart.org("hospital"),
                facility_kind="hospital",
                lines=lines,
                diagnoses=[p.problem.icd10 for p in chart.problems.values()],
                referring=chart.practitioner(self.pcp),
                admission_type="3",
                point_of_origin="2",
            )
        )

    def social_history(self, when: date, encounter_id: str, start: str) -> str | None:
        chart = self.chart
        observations.smoking_status(chart, start, encounter_id)
        found, insecure = observations.screenings(chart, start, encounter_id)
        if not insecure:
            return None
        concern = clinical.health_concern(chart, FOOD_INSECURITY, when, [found[1]["id"]])
        care.food_security_goal(chart, when, concern["id"])
        observations.service_request(
            chart,
            code=cc(SCT, "467771000124109", "Assistance with application for food pantry program"),
            category=cc("http://hl7.org/fhir/us/core/CodeSystem/us-core-category", "sdoh", "SDOH"),
            authored=when,
            occurrence=when + timedelta(days=14),
            requester_role=self.pcp,
            reasons=[concern["id"]],
            encounter_id=encounter_id,
            status="active",
        )
        return str(concern["id"])

    def office_visits(self) -> None:
        chart = self.chart
        windows = (
            ((2022, (8, 9)), 0),
            ((2022, (11, 12)), 1),
            ((2023, (8, 9)), 2),
            ((2023, (11, 12)), 3),
            ((2024, (9, 10)), 4),
            ((2025, (1, 2)), 5),
        )
        cardiac = [p for p in chart.problems.values() if p.problem.specialist]
        for (year, months), n in windows:
            when = self.day_in(year, months)
            if cardiac and n % 2 == 1:
                entry = cardiac[n // 2 % len(cardiac)]
                role, org_kind = ("nephro", "kidney") if chart.child else ("cardio", "cardio")
                service = "90954" if chart.child else "99214"
                dx = [entry.problem.icd10]
            else:
                role, org_kind = self.pcp, "clinic"
                service = self.rng.choice(("99213", "99214"))
                dx = self.problem_icds(3)
            pos = "10" if n == 4 else "11"
            self.professional(
                when,
                role,
                org_kind,
                [Line(service, when=when, pos=pos)],
                dx,
                referring=self.pcp if role != self.pcp else None,
            )

    def hospital_stay(self, stay: Stay, when: date) -> tuple[date, str]:
        chart = self.chart
        rng = self.rng
        nights = rng.randint(*stay.nights)
        discharge = when + timedelta(days=nights)
        ed = clinical.encounter(
            chart,
            kind="emergency",
            start=when,
            practitioner_role="ed",
            org_kind="hospital",
            cpt=("99285", SERVICES["99285"].display),
            reasons=[],
        )
        inpatient = clinical.encounter(
            chart,
            kind="admission",
            start=when,
            end=discharge,
            practitioner_role="hospitalist",
            org_kind="hospital",
            cpt=("99223", SERVICES["99223"].display),
            reasons=[],
            admit_from_ed=True,
        )
        symptom = clinical.encounter_condition(
            chart,
            stay.admit_dx,
            ed["id"],
            when,
            discharge if stay.admit_dx != stay.principal_dx else discharge + timedelta(days=14),
        )
        if stay.admit_dx == stay.principal_dx:
            principal = symptom
        else:
            principal = clinical.encounter_condition(chart, stay.principal_dx, inpatient["id"], when, None)
        ed["reasonReference"] = [{"reference": f"Condition/{symptom['id']}"}]
        inpatient["reasonReference"] = [{"reference": f"Condition/{principal['id']}"}]
        if stay.key != "pneumonia":
            clinical.procedure(
                chart,
                code=cc_multi(
                    coding(SCT, "29303009", "Electrocardiographic procedure"),
                    coding(CPT, "93000", SERVICES["93000"].display),
                    text="Electrocardiogram",
                ),
                when=when,
                encounter_id=ed["id"],
                performer_role="ed",
                org_kind="hospital",
                reasons=[symptom["id"]],
            )
            finding = {
                "pacemaker": "Sinus bradycardia with sinus pauses up to 3.4 seconds",
                "stent": "Sinus rhythm with ST depression in leads V4-V6",
                "dialysis_access": "Sinus rhythm with peaked T waves",
            }[stay.key]
            observations.ekg_report(chart, chart.uniform_time(when, 8, 12), ed["id"], finding, "ed")
        proc_day = when + timedelta(days=1 if nights > 1 else 0)
        proceduralist = "nephro" if chart.child else "cardio"
        if stay.device and stay.procedure_snomed and stay.cpt:
            dev = clinical.device(chart, stay.device, proc_day)
            clinical.procedure(
                chart,
                code=clinical.procedure_code(
                    stay.procedure_snomed, (stay.cpt, SERVICES[stay.cpt].display), stay.pcs[0]
                ),
                when=proc_day,
                encounter_id=inpatient["id"],
                performer_role=proceduralist,
                org_kind="hospital",
                reasons=[principal["id"]],
                device_id=dev["id"],
            )
        principal_acute, symptom_acute = ACUTE[stay.principal_dx], ACUTE[stay.admit_dx]
        note = (
            f"DISCHARGE SUMMARY\nPatient: {chart.demo.name}\n"
            f"Admitted: {when.isoformat()}  Discharged: {discharge.isoformat()}\n"
            f"Principal diagnosis: {principal_acute.icd10_display} ({principal_acute.icd10})\n"
            f"Hospital course: admitted from the emergency department with {symptom_acute.icd10_display.lower()}. "
            + (
                f"Underwent {stay.pcs[0][1].lower()} without complication. "
                if stay.pcs
                else "Treated with intravenous then oral antibiotics. "
            )
            + "Discharged home in stable condition with follow-up in 2 weeks.\n"
        )
        care.clinical_note(
            chart,
            loinc=("18842-5", "Discharge summary"),
            text=note,
            when=discharge,
            start=inpatient["period"]["start"],
            end=inpatient["period"]["end"],
            encounter_id=inpatient["id"],
            author_role="hospitalist",
            org_kind="hospital",
        )
        # Claims: the hospital's inpatient claim (ED services roll into it), then the physicians'.
        principal_icd = ACUTE[stay.principal_dx].icd10
        symptom_icd = ACUTE[stay.admit_dx].icd10
        room_rate = 2850.0 + rng.randrange(0, 900)
        lines = [
            Line("99285", revenue="0450", when=when),
            Line(None, revenue="0120", quantity=max(nights, 1), when=when, charge=room_rate * max(nights, 1)),
            Line(None, revenue="0250", when=when, charge=round(rng.uniform(900, 4200), 2)),
            Line("80048", revenue="0300", when=when),
        ]
        if stay.key == "pneumonia":
            lines.append(Line("71046", revenue="0320", when=when))
        else:
            lines.append(Line("93005", revenue="0730", when=when))
        if stay.procedure_revenue and stay.implant_hcpcs:
            lines.append(
                Line(None, revenue=stay.procedure_revenue, when=proc_day, charge=round(rng.uniform(9000, 18000), 2))
            )
            lines.append(Line(stay.implant_hcpcs, revenue="0278", when=proc_day))
        diagnoses = [principal_icd, *[icd for icd in self.problem_icds(3) if icd != principal_icd]]
        self.claims.append(
            ClaimSpec(
                kind="inpatient",
                start=when,
                end=discharge,
                provider=chart.org("hospital"),
                facility_kind="hospital",
                lines=lines,
                diagnoses=diagnoses,
                admitting_dx=symptom_icd if symptom_icd != principal_icd else None,
                attending=chart.practitioner("hospitalist"),
                operating=chart.practitioner(proceduralist) if stay.pcs else None,
                stay=stay,
                nights=nights,
                admission_type="1",
                point_of_origin="1",
                procedures=[(code, display, proc_day) for code, display in stay.pcs],
                encounter_id=inpatient["id"],
            )
        )
        ed_lines = [Line("99285", when=when, pos="23", encounter_id=ed["id"])]
        if stay.key != "pneumonia":
            ed_lines.append(Line("93010", when=when, pos="23", encounter_id=ed["id"]))
        self.professional(when, "ed", "hospital", ed_lines, [symptom_icd])
        if stay.cpt:
            self.professional(
                proc_day,
                proceduralist,
                "cardio" if proceduralist == "cardio" else "kidney",
                [Line(stay.cpt, when=proc_day, pos="21", encounter_id=inpatient["id"])],
                [principal_icd],
            )
        self.professional(
            when,
            "hospitalist",
            "hospital",
            [
                Line("99223", when=when, pos="21", encounter_id=inpatient["id"]),
                Line("99238", when=discharge, pos="21", encounter_id=inpatient["id"]),
            ],
            [principal_icd],
            end=discharge,
        )
        return discharge, str(principal["id"])

    def echo(self, when: date, condition_icd: str) -> None:
        chart = self.chart
        self.claims.append(
            ClaimSpec(
                kind="outpatient",
                start=when,
                end=when,
                provider=chart.org("hospital"),
                facility_kind="hospital",
                lines=[Line("93306", revenue="0483", when=when)],
                diagnoses=[condition_icd],
                referring=chart.practitioner("cardio"),
            )
        )

    def medications(self) -> None:
        chart = self.chart
        drugs: list[tuple[str, ProblemEntry]] = []
        for entry in chart.problems.values():
            key = entry.problem.drug
            if key and key not in [k for k, _ in drugs]:
                drugs.append((key, entry))
        for n, (key, entry) in enumerate(drugs[:3]):
            drug = DRUGS[key]
            authored = self.day_in(2024, (3, 5))
            prescriber = "cardio" if key in ("apixaban", "clopidogrel") else self.pcp
            request = meds.medication_request(
                chart, drug, authored, prescriber, entry.condition_id, 4, by_reference=n == 0
            )
            first = authored + timedelta(days=self.rng.randrange(1, 4))
            for fill in range(5):
                filled = first + timedelta(days=90 * fill + self.rng.randrange(0, 3))
                meds.medication_dispense(chart, drug, request["id"], filled, fill)
                self.claims.append(
                    ClaimSpec(
                        kind="pharmacy",
                        start=filled,
                        end=filled,
                        provider=chart.org("pharmacy"),
                        facility_kind="pharmacy",
                        lines=[],
                        drug=drug,
                        request_id=request["id"],
                        fill_number=fill,
                        refills_authorized=4,
                        prescriber=chart.practitioner(prescriber),
                    )
                )

    def dental(self) -> None:
        chart = self.chart
        for n, year in enumerate((2023, 2024, 2025)):
            when = self.day_in(year, (4, 6) if year < 2025 else (3, 5))
            if chart.child:
                codes = ["D0150" if n == 0 else "D0120", "D1120", "D1206"]
                lines = [Line(code, when=when) for code in codes]
            else:
                codes = ["D0150" if n == 0 else "D0120", "D1110"] + (["D0274"] if n == 1 else [])
                lines = [Line(code, when=when) for code in codes]
                if n == 2:
                    lines.append(Line("D2391", when=when, tooth=self.rng.choice(("3", "14", "19", "30")), surface="O"))
            self.claims.append(
                ClaimSpec(
                    kind="oral",
                    start=when,
                    end=when,
                    provider=chart.practitioner("dentist"),
                    facility_kind="dental",
                    lines=lines,
                    rendering=chart.practitioner("dentist"),
                    rendering_taxonomy="1223G0001X",
                )
            )

    def immunizations(self, wellness: dict[int, date]) -> None:
        chart = self.chart
        if chart.child:
            clinical.immunization(chart, "20", wellness[2022], "clinic", self.pcp, dose=4)
            clinical.immunization(chart, "03", wellness[2022], "clinic", self.pcp, dose=1)
            for year in (2022, 2023, 2024):
                clinical.immunization(chart, "150", self.day_in(year, (10, 10)), "clinic", self.pcp)
            return
        for year in (2022, 2023, 2024):
            clinical.immunization(chart, "197", self.day_in(year, (9, 10)), "pharmacy", "pharmacist")
        if self.rng.random() < 0.5:
            clinical.immunization(chart, "216", wellness[2023], "clinic", self.pcp, dose=1)
        if self.rng.random() < 0.4:
            first = self.day_in(2023, (5, 6))
            clinical.immunization(chart, "187", first, "pharmacy", "pharmacist", dose=1)
            clinical.immunization(chart, "187", first + timedelta(days=70), "pharmacy", "pharmacist", dose=2)


def build_record(seed: int, index: int) -> list[Resource]:
    """Every resource of beneficiary ``index``: the record, its claims, then one Provenance per resource."""
    demo = demographics(seed, index)
    rng = random.Random(f"synthetic:{seed}:{index}:record")  # noqa: S311 (seeded on purpose: deterministic data)
    chart = Chart(demo=demo, rng=rng, medicare_advantage=demo.cohort != "child" and rng.random() < 0.35)
    story = Story(chart)
    patient(chart)
    caregiver = related_person(chart)
    coverages(chart)
    story.problems()
    clinical.allergy(chart, date(2021, rng.randint(1, 12), rng.randint(1, 28)))
    if chart.child:
        stay_key = "dialysis_access"
    elif "cad" in chart.problems:
        stay_key = "stent"
    else:
        stay_key = "pacemaker"
    team = care.care_team(chart, HISTORY_START, caregiver["id"], specialist=True)

    wellness: dict[int, date] = {}
    specific = [p.problem.lab for p in chart.problems.values() if p.problem.lab in SPECIFIC_LABS]
    lab_plan = {
        2022: ["bmp"],
        2023: [specific[0] if specific else "cbc"],
        2024: ["cbc"],
        2025: [specific[-1] if specific else "bmp"],
    }
    concern_id = None
    goals: list[str] = []
    for year in (2022, 2023, 2024, 2025):
        when, enc_id, start = story.wellness_visit(year)
        wellness[year] = when
        story.labs(when, enc_id, sorted(set(lab_plan[year]), key=lab_plan[year].index))
        if year == 2024:
            concern_id = story.social_history(when, enc_id, start)
            if concern_id:
                goals.append(next(r["id"] for r in reversed(chart.resources) if r["resourceType"] == "Goal"))
    first_problem = next(iter(chart.problems.values()))
    goals.append(care.bp_goal(chart, wellness[2023], first_problem.condition_id)["id"])
    if "dm2" in chart.problems:
        goals.append(care.a1c_goal(chart, wellness[2023], chart.problems["dm2"].condition_id)["id"])
    addressed = story.problem_ids() + ([concern_id] if concern_id else [])
    care.care_plan(
        chart, wellness[2025], addressed, goals, [p.problem.icd10_display for p in chart.problems.values()], team["id"]
    )

    story.office_visits()
    stay_day = date(2023, 6, 1) + timedelta(days=rng.randrange(0, 240))
    discharge, _principal = story.hospital_stay(STAYS[stay_key], stay_day)
    if not chart.child:
        story.echo(discharge + timedelta(days=30 + rng.randrange(0, 20)), ACUTE[STAYS[stay_key].principal_dx].icd10)
    if rng.random() < 0.4:
        story.hospital_stay(STAYS["pneumonia"], date(2022, 12, 1) + timedelta(days=rng.randrange(0, 100)))
    story.immunizations(wellness)
    story.medications()
    story.dental()

    accum = Accumulator()
    for spec in sorted(story.claims, key=lambda s: (s.start, s.kind)):
        build_eob(chart, spec, chart.new_id("ExplanationOfBenefit"), accum)
    return chart.resources + chart.provenances()
