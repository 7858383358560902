"""A real FHIR client library (fhirclient, PyPI) against the sandbox on a live server."""

from __future__ import annotations

import pytest
from fhirclient import client as fhir_client
from fhirclient.models.explanationofbenefit import ExplanationOfBenefit
from fhirclient.models.patient import Patient

from sandbox import store
from tests.sandbox.conftest import mini_lake


@pytest.fixture
def live_lake(transactional_db):
    store.load_lake(mini_lake())


def test_fhirclient_reads_and_pages_through_the_sandbox(live_server, live_lake, issue):
    token = issue(scopes=["cms.fhir.r4.read"]).secret
    smart = fhir_client.FHIRClient(settings={"app_id": "partner-test", "api_base": f"{live_server.url}/fhir/R4/"})
    smart.server.session.headers["Authorization"] = f"Bearer {token}"
    assert smart.server.capabilityStatement.fhirVersion == "4.0.1"
    patient = Patient.read("p1", smart.server)
    assert patient.name[0].family == "Doe" and patient.birthDate.isostring == "1950-03-01"
    claims = list(
        ExplanationOfBenefit.where(struct={"patient": "p1", "_count": "5"}).perform_resources_iter(smart.server)
    )
    assert len(claims) == 12 and {c.patient.reference for c in claims} == {"Patient/p1"}
