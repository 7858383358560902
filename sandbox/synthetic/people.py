"""Synthetic people: regions, names, addresses, NPIs, and each beneficiary's demographics.

A beneficiary's demographics come from their own random stream (seed and index only), so the
portal can list beneficiaries without generating their records.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Beneficiary:
    """A sandbox login: ``BBUser00000`` / ``PW00000!`` owns ``Patient/bb-00000``."""

    index: int
    username: str
    password: str
    patient_id: str
    name: str


@dataclass(frozen=True)
class Region:
    key: str
    state: str
    state_name: str
    city: str
    area_code: str
    places: tuple[tuple[str, str], ...]  # (city, ZIP) where beneficiaries live


REGIONS: tuple[Region, ...] = (
    Region(
        "pa",
        "PA",
        "Pennsylvania",
        "Pittsburgh",
        "412",
        (
            ("Pittsburgh", "15206"),
            ("Pittsburgh", "15217"),
            ("Pittsburgh", "15232"),
            ("Bethel Park", "15102"),
            ("Monroeville", "15146"),
        ),
    ),
    Region(
        "md",
        "MD",
        "Maryland",
        "Baltimore",
        "410",
        (
            ("Baltimore", "21218"),
            ("Baltimore", "21224"),
            ("Towson", "21204"),
            ("Columbia", "21044"),
            ("Catonsville", "21228"),
        ),
    ),
    Region(
        "oh",
        "OH",
        "Ohio",
        "Columbus",
        "614",
        (
            ("Columbus", "43201"),
            ("Columbus", "43214"),
            ("Westerville", "43081"),
            ("Dublin", "43017"),
            ("Grove City", "43123"),
        ),
    ),
)

GIVEN_FEMALE = (
    "Mary",
    "Patricia",
    "Linda",
    "Barbara",
    "Elizabeth",
    "Susan",
    "Margaret",
    "Dorothy",
    "Carol",
    "Joan",
    "Judith",
    "Nancy",
    "Sandra",
    "Shirley",
    "Betty",
    "Helen",
    "Janet",
    "Rosa",
    "Mei",
    "Lan",
    "Gloria",
    "Evelyn",
    "Frances",
    "Diane",
    "Alice",
    "Ruth",
    "Gwendolyn",
    "Yolanda",
    "Irene",
    "Teresa",
)
GIVEN_MALE = (
    "James",
    "Robert",
    "John",
    "William",
    "Richard",
    "Thomas",
    "Charles",
    "David",
    "Joseph",
    "Donald",
    "George",
    "Kenneth",
    "Ronald",
    "Paul",
    "Gerald",
    "Larry",
    "Frank",
    "Raymond",
    "Walter",
    "Harold",
    "Jose",
    "Luis",
    "Wei",
    "Minh",
    "Carl",
    "Eugene",
    "Roy",
    "Albert",
    "Leon",
    "Curtis",
)
GIVEN_CHILD_FEMALE = ("Ava", "Mia", "Harper", "Aria", "Zoe", "Lila", "Nora", "Camila")
GIVEN_CHILD_MALE = ("Liam", "Noah", "Mateo", "Elijah", "Ezra", "Theo", "Miles", "Jayden")
FAMILY = (
    "Anderson",
    "Baker",
    "Campbell",
    "Davis",
    "Edwards",
    "Foster",
    "Garcia",
    "Harris",
    "Jackson",
    "Kowalski",
    "Lewis",
    "Martinez",
    "Nguyen",
    "Olsen",
    "Patel",
    "Quinn",
    "Robinson",
    "Sullivan",
    "Thompson",
    "Underwood",
    "Vasquez",
    "Washington",
    "Young",
    "Zielinski",
    "Brooks",
    "Chen",
    "Dombrowski",
    "Ellis",
    "Fitzgerald",
    "Greene",
    "Hoffman",
    "Iverson",
    "Jenkins",
    "Kaminski",
    "Lopez",
    "Mitchell",
    "Novak",
    "Ortiz",
    "Price",
    "Reyes",
)
STREETS = (
    "Maple Avenue",
    "Oak Street",
    "Walnut Street",
    "Forbes Avenue",
    "Elm Court",
    "Chestnut Lane",
    "Highland Road",
    "Cedar Drive",
    "Park Place",
    "Lincoln Avenue",
    "Spring Garden Road",
    "Hillcrest Drive",
    "Willow Way",
    "Franklin Street",
    "Ridge Avenue",
    "Meadow Lane",
)

# OMB race and ethnicity categories (CDC Race & Ethnicity code system) with weights.
RACES: tuple[tuple[str, str, int], ...] = (
    ("2106-3", "White", 70),
    ("2054-5", "Black or African American", 17),
    ("2028-9", "Asian", 7),
    ("1002-5", "American Indian or Alaska Native", 2),
    ("2076-8", "Native Hawaiian or Other Pacific Islander", 1),
)
ETHNICITIES = (("2135-2", "Hispanic or Latino"), ("2186-5", "Not Hispanic or Latino"))

MBI_LETTERS = "ACDEFGHJKMNPQRTUVWXY"  # the MBI alphabet: no S, L, O, I, B, Z
MBI_ALNUM = MBI_LETTERS + "0123456789"


def username(index: int) -> str:
    return f"BBUser{index:05d}"


def password(index: int) -> str:
    return f"PW{index:05d}!"


def patient_id(index: int) -> str:
    return f"bb-{index:05d}"


def npi_check_digit(base9: str) -> str:
    """Luhn check digit of an NPI: computed over ``80840`` + the first nine digits."""
    total = 0
    for pos, ch in enumerate(reversed("80840" + base9)):
        d = int(ch)
        if pos % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def make_npi(rng: random.Random) -> str:
    base = str(rng.choice((1, 2))) + "".join(str(rng.randrange(10)) for _ in range(8))
    return base + npi_check_digit(base)


def npi_is_valid(npi: str) -> bool:
    return len(npi) == 10 and npi.isdigit() and npi_check_digit(npi[:9]) == npi[9]


def weighted(rng: random.Random, options: tuple[tuple[str, str, int], ...]) -> tuple[str, str]:
    total = sum(w for _, _, w in options)
    x = rng.random() * total
    for code, display, w in options:
        x -= w
        if x < 0:
            return code, display
    return options[-1][0], options[-1][1]


@dataclass(frozen=True)
class Demographics:
    index: int
    pid: str
    given: str
    family: str
    gender: str  # administrative gender: female / male
    birth_date: date
    cohort: str  # aged (65+), disabled (under 65, SSDI), child (ESRD)
    race: tuple[str, str]
    ethnicity: tuple[str, str]
    language: str
    region: Region
    line: str
    city: str
    postal_code: str
    phone: str
    mbi: str
    bene_id: str
    medicare_start: date

    @property
    def name(self) -> str:
        return f"{self.given} {self.family}"


def demographics(seed: int, index: int) -> Demographics:
    """The beneficiary's identity, drawn from the (seed, index) stream alone."""
    rng = random.Random(f"synthetic:{seed}:{index}:demographics")  # noqa: S311 (seeded on purpose: deterministic data)
    gender = rng.choice(("female", "male"))
    # Two in thirty beneficiaries are children entitled through ESRD; the pediatric profiles need them.
    if index % 15 == 7:
        cohort = "child"
        birth = date(2019, 3, 1) + timedelta(days=rng.randrange(0, 730))
        given = rng.choice(GIVEN_CHILD_FEMALE if gender == "female" else GIVEN_CHILD_MALE)
    elif rng.random() < 0.15:
        cohort = "disabled"
        birth = date(1962, 1, 1) + timedelta(days=rng.randrange(0, 365 * 22))
        given = rng.choice(GIVEN_FEMALE if gender == "female" else GIVEN_MALE)
    else:
        cohort = "aged"
        birth = date(1933, 1, 1) + timedelta(days=rng.randrange(0, 365 * 23))
        given = rng.choice(GIVEN_FEMALE if gender == "female" else GIVEN_MALE)
    family = rng.choice(FAMILY)
    race = weighted(rng, RACES)
    ethnicity = ETHNICITIES[0] if rng.random() < 0.1 else ETHNICITIES[1]
    language = "en"
    if ethnicity[0] == "2135-2" and rng.random() < 0.5:
        language = "es"
    elif race[0] == "2028-9" and rng.random() < 0.4:
        language = rng.choice(("zh", "vi"))
    region = rng.choice(REGIONS)
    city, postal = rng.choice(region.places)
    line = f"{rng.randrange(12, 9800)} {rng.choice(STREETS)}"
    phone = f"{region.area_code}-555-01{rng.randrange(100):02d}"
    mbi = (
        str(rng.randrange(1, 10))
        + rng.choice(MBI_LETTERS)
        + rng.choice(MBI_ALNUM)
        + str(rng.randrange(10))
        + rng.choice(MBI_LETTERS)
        + rng.choice(MBI_ALNUM)
        + str(rng.randrange(10))
        + rng.choice(MBI_LETTERS)
        + rng.choice(MBI_LETTERS)
        + str(rng.randrange(10))
        + str(rng.randrange(10))
    )
    if cohort == "aged":
        turned_65 = date(birth.year + 65, birth.month, 1)
        medicare_start = turned_65
    elif cohort == "disabled":
        medicare_start = date(2010 + rng.randrange(0, 11), rng.randrange(1, 13), 1)
    else:
        entitled = birth + timedelta(days=200)
        medicare_start = date(entitled.year, entitled.month, 1)
    return Demographics(
        index=index,
        pid=patient_id(index),
        given=given,
        family=family,
        gender=gender,
        birth_date=birth,
        cohort=cohort,
        race=race,
        ethnicity=ethnicity,
        language=language,
        region=region,
        line=line,
        city=city,
        postal_code=postal,
        phone=phone,
        mbi=mbi,
        bene_id=f"-{10000010000000 + index}",
        medicare_start=medicare_start,
    )


def beneficiary(seed: int, index: int) -> Beneficiary:
    d = demographics(seed, index)
    return Beneficiary(index=index, username=username(index), password=password(index), patient_id=d.pid, name=d.name)
