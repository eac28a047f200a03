"""A reader sends a real request from the API reference's "Try it" console, to approved hosts only.

The Payments example's operations run on loopback (a few lines of http.server, with CORS headers); a second
loopback server stands for a host the portal did not approve and must never receive anything."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.server
import json
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import yaml

from generator.cli import main
from generator.config import validate_portal_config
from generator.render.reference import render_api_reference
from generator.render.reference.tryit import TryIt
from tests.fetch_fixtures import axe_core
from tests.helpers import CHROMIUM, REPO_ROOT, copy_example, serve_folder, write_portal


def browser_test(test):
    for mark in (pytest.mark.slow, pytest.mark.browser,
                 pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")):
        test = mark(test)
    return test

TOKEN = "tok-3f9a-secret"
PKCE_TOKEN = "tok-from-pkce-77"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


class PaymentsApi(http.server.BaseHTTPRequestHandler):
    """The example's Payments operations, in memory; every request is recorded as it arrived."""

    def _record(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        parts = urlsplit(self.path)
        request = {"method": self.command, "path": parts.path, "query": parse_qsl(parts.query),
                   "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body": self.rfile.read(length).decode() if length else ""}
        self.server.received.append(request)
        return request

    def _answer(self, status: int, payload: object | None = None) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE")
        self.send_header("Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers") or "*")
        self.send_header("Access-Control-Expose-Headers", "X-Request-Id")
        self.send_header("X-Request-Id", "req-1")
        if payload is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_OPTIONS(self) -> None:  # noqa: N802 - the CORS preflight
        self._record()
        self._answer(204)

    def do_GET(self) -> None:  # noqa: N802
        request = self._record()
        if request["path"] == "/login/authorize":  # the reader signs in at once: back to the page with a code
            query = dict(request["query"])
            self.server.challenges["c0de-pkce"] = query["code_challenge"]
            self.send_response(302)
            self.send_header("Location", f"{query['redirect_uri']}?code=c0de-pkce&state={query['state']}")
            self.end_headers()
            return
        match = re.fullmatch(r"/payments/v1/payments(?:/([^/]+))?", request["path"])
        if not match:
            return self._answer(404, {"type": "about:blank", "title": "Not found", "status": 404})
        if match.group(1) == "no-cors":  # an answer a browser must not show to the page
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")
            return
        if match.group(1):
            payment = self.server.payments.get(match.group(1))
            return self._answer(200, payment) if payment else self._answer(404, {"title": "Not found", "status": 404})
        state = dict(request["query"]).get("state")
        return self._answer(200, {"payments": [p for p in self.server.payments.values()
                                               if state is None or p["state"] == state]})

    def do_POST(self) -> None:  # noqa: N802
        request = self._record()
        if request["path"] == "/login/token" and "code_verifier" in request["body"]:
            form = dict(parse_qsl(request["body"]))
            digest = hashlib.sha256(form["code_verifier"].encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != self.server.challenges.get(form["code"]):
                return self._answer(400, {"error": "invalid_grant"})
            return self._answer(200, {"access_token": PKCE_TOKEN, "token_type": "Bearer"})
        if not request["path"].startswith("/payments/v1/payments"):
            return self._answer(404, {"type": "about:blank", "title": "Not found", "status": 404})
        body = json.loads(request["body"] or "null")
        if request["path"] == "/payments/v1/payments":
            payment = {"reference": body["reference"], "state": "CREATED", "amount": body["amount"]}
            self.server.payments[body["reference"]] = payment
            return self._answer(201, payment)
        match = re.fullmatch(r"/payments/v1/payments/([^/]+)/(capture|cancel|refunds)", request["path"])
        payment = self.server.payments.get(match.group(1)) if match else None
        if not payment:
            return self._answer(404, {"type": "about:blank", "title": "Not found", "status": 404})
        payment["state"] = {"capture": "CAPTURED", "cancel": "CANCELLED", "refunds": "REFUNDED"}[match.group(2)]
        return self._answer(200, payment)

    def log_message(self, *args) -> None:
        pass


@contextlib.contextmanager
def payments_api():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), PaymentsApi)
    server.received, server.challenges = [], {}
    server.payments = {"order-4711": {"reference": "order-4711", "state": "AUTHORIZED",
                                      "amount": {"currency": "NOK", "value": 100}}}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _payments_source(target: Path, servers: list[str]) -> Path:
    shutil.copytree(REPO_ROOT / "content" / "sources" / "payments", target)
    spec = target / "openapi" / "payments.yaml"
    text = spec.read_text()
    text = text.replace("  - url: https://api.northwind-pay.example/payments/v1\n", f"  - url: {servers[0]}\n")
    text = text.replace("  - url: https://apitest.northwind-pay.example/payments/v1\n", f"  - url: {servers[1]}\n")
    spec.write_text(text)
    return target


@pytest.fixture(scope="module")
def loopback_portal(tmp_path_factory):
    """A portal whose Payments spec lists an unapproved loopback server first and the approved one second."""
    with payments_api() as allowed, payments_api() as refused:
        allowed_url = f"http://127.0.0.1:{allowed.server_address[1]}/payments/v1"
        refused_url = f"http://127.0.0.1:{refused.server_address[1]}/payments/v1"
        root = tmp_path_factory.mktemp("tryit")
        source = _payments_source(root / "payments-src", [refused_url, allowed_url])
        config = write_portal(root, [{"name": "payments", "repo": str(source), "specs": ["openapi/payments.yaml"],
                                      "pages": ["README.md", "docs/**/*.md", "CHANGELOG.md"]}],
                              extra={"try_it": {"enabled": True,
                                                "allowed_hosts": [f"127.0.0.1:{allowed.server_address[1]}"]}})
        assert main(["build", "-f", str(config)]) == 0
        yield root / "site", allowed, refused


def _open(details) -> None:
    """Open a try-it console by clicking its summary, as a reader does; a click that a layout shift of the
    loading page sent elsewhere is made again (at most three clicks)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(3):
        details.locator("summary").first.click()
        try:
            details.page.wait_for_function("d => d.open", arg=details.element_handle(), timeout=3_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the try-it console did not open")


def _watch(page) -> list:
    requests = []
    page.on("request", lambda request: requests.append(
        {"url": request.url, "headers": request.all_headers(), "body": request.post_data or ""}))
    return requests


@browser_test
def test_a_reader_sends_a_request_to_the_approved_server_only(loopback_portal):
    playwright = pytest.importorskip("playwright.sync_api")
    site, allowed, refused = loopback_portal
    allowed_origin = f"http://127.0.0.1:{allowed.server_address[1]}"
    # The console's script and style are on the reference pages that show it, nowhere else.
    tag_html = (site / "payments/api/payments/modifications/index.html").read_text()
    assert "assets/apiref/tryit.js" in tag_html and "assets/apiref/tryit.css" in tag_html
    for other in ("index.html", "payments/index.html", "payments/api/payments/index.html",
                  "payments/api/payments/models/index.html"):
        assert "tryit" not in (site / other).read_text(), other
    with serve_folder(site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page()
        requests = _watch(page)
        page.goto(f"{base}/payments/api/payments/modifications/", wait_until="load")
        capture = page.locator("[id='operation/capturePayment'] details.dp-tryit")
        capture.locator("summary").focus()
        page.keyboard.press("Enter")  # opens with the keyboard
        form = capture.locator("form")
        assert form.is_visible()
        # The first server is not approved: the console does not offer it and says which one it may use.
        send = form.get_by_role("button", name="Send request")
        assert send.is_disabled()
        assert "does not send requests to 127.0.0.1:" in form.locator(".dp-tryit__blocked").inner_text()
        # Even with the page tampered (the button re-enabled), nothing is sent there.
        page.evaluate("document.querySelectorAll('.dp-tryit__send').forEach(b => b.disabled = false)")
        send.click()
        assert "Not sent" in capture.locator(".dp-tryit__result").inner_text()
        form.get_by_role("button", name=allowed_origin + "/payments/v1").click()
        assert send.is_enabled()
        assert capture.locator(".dp-tryit__server").inner_text() == allowed_origin + "/payments/v1"
        form.get_by_label("reference").fill("order-4711")
        form.get_by_label("Idempotency-Key").fill("5b0d3bb4-4f0a-4f4e-9a55-3bd3b0e2a001")
        form.get_by_label("bearerAuth").fill(TOKEN)
        form.get_by_label("subscriptionKey").fill("sub-key-9")
        editor = form.locator("textarea")
        # A body the schema refuses: the error is shown where it is, and nothing is sent.
        editor.fill('{\n  "modificationAmount": {"currency": "NOK", "value": "12"}\n}')
        send.click()
        error = form.locator("p.dp-tryit__error")
        assert "line 2" in error.inner_text() and "/modificationAmount/value" in error.inner_text()
        assert editor.get_attribute("aria-invalid") == "true"
        assert not allowed.received
        body = '{\n  "modificationAmount": {"currency": "NOK", "value": 4990}\n}'
        editor.fill(body)
        send.click()
        result = capture.locator(".dp-tryit__result")
        result.locator(".dp-tryit__status", has_text="Status 200").wait_for(timeout=10_000)
        assert result.get_attribute("aria-live") == "polite"
        assert '"state": "CAPTURED"' in result.locator(".dp-tryit__body-out").inner_text()
        assert "x-request-id: req-1" in result.locator(".dp-tryit__headers pre").text_content()
        curl = result.locator(".dp-tryit__curl").inner_text()
        assert curl.startswith(f"curl -X POST '{allowed_origin}/payments/v1/payments/order-4711/capture'")
        sent = [r for r in allowed.received if r["method"] == "POST"]
        assert len(sent) == 1
        assert sent[0]["path"] == "/payments/v1/payments/order-4711/capture" and sent[0]["query"] == []
        assert sent[0]["headers"]["authorization"] == f"Bearer {TOKEN}"
        assert sent[0]["headers"]["subscription-key"] == "sub-key-9"
        assert sent[0]["headers"]["idempotency-key"] == "5b0d3bb4-4f0a-4f4e-9a55-3bd3b0e2a001"
        assert sent[0]["headers"]["content-type"] == "application/json"
        assert "cookie" not in sent[0]["headers"]
        assert sent[0]["body"] == body

        # A query parameter, on another page: the token typed once is there already (this tab's storage).
        page.goto(f"{base}/payments/api/payments/payments/", wait_until="load")
        listing = page.locator("[id='operation/listPayments'] details.dp-tryit")
        listing.locator("summary").click()
        form = listing.locator("form")
        assert form.get_by_label("bearerAuth").input_value() == TOKEN
        form.get_by_label("state").select_option("CAPTURED")
        form.get_by_label("pageSize").fill("5")
        form.get_by_label("Merchant-Serial-Number").fill("123456")
        form.get_by_role("button", name="Send request").click()
        listing.locator(".dp-tryit__status", has_text="Status 200").wait_for(timeout=10_000)
        assert "order-4711" in listing.locator(".dp-tryit__body-out").inner_text()
        get = [r for r in allowed.received if r["method"] == "GET"]
        assert get[-1]["path"] == "/payments/v1/payments"
        assert get[-1]["query"] == [("state", "CAPTURED"), ("pageSize", "5")]
        assert get[-1]["headers"]["merchant-serial-number"] == "123456"

        # An answer without CORS headers: the reader learns why nothing shows, in plain words.
        get_payment = page.locator("[id='operation/getPayment'] details.dp-tryit")
        get_payment.locator("summary").click()
        get_payment.get_by_label("reference").fill("no-cors")
        get_payment.get_by_role("button", name="Send request").click()
        failure = get_payment.locator(".dp-tryit__status--failed")
        failure.wait_for(timeout=10_000)
        assert "does not allow calls from this page" in failure.inner_text() and "CORS" in failure.inner_text()
        assert f"curl -X GET '{allowed_origin}/payments/v1/payments/no-cors'" in get_payment.locator(
            ".dp-tryit__curl").inner_text()

        # The token: never in a URL, never in localStorage, never sent to any other host.
        assert TOKEN not in page.url
        assert TOKEN not in page.evaluate("JSON.stringify(Object.entries(localStorage))")
        assert TOKEN in page.evaluate("JSON.stringify(Object.entries(sessionStorage))")
        for request in requests:
            assert TOKEN not in request["url"], request["url"]
            if not request["url"].startswith(allowed_origin + "/"):
                assert TOKEN not in json.dumps(request), request["url"]
        assert all(r["url"].startswith((base, allowed_origin)) for r in requests), \
            {r["url"] for r in requests if not r["url"].startswith((base, allowed_origin))}
        browser.close()
    assert refused.received == []  # the unapproved server never heard from the page, not even a preflight


@browser_test
def test_petstore_from_oas_examples_gets_a_console_that_sends_to_its_own_host(tmp_path):
    """A spec nobody here wrote: the OpenAPI Initiative's petstore. Its host is approved in the portal config;
    the browser's requests to it are answered by the test (nothing leaves the machine)."""
    playwright = pytest.importorskip("playwright.sync_api")
    from tests.fetch_fixtures import oas_examples

    package = oas_examples()
    source = tmp_path / "petstore-src"
    (source / "openapi").mkdir(parents=True)
    shutil.copyfile(package / "3.0/json/petstore.json", source / "openapi/petstore.json")
    (source / "README.md").write_text("# Petstore\n")
    config = write_portal(tmp_path / "portal", [{"name": "pets", "repo": str(source), "specs": ["openapi/*.json"],
                                                 "pages": ["README.md"], "try_it": True}],
                          extra={"try_it": {"allowed_hosts": ["petstore.swagger.io"]}})
    assert main(["build", "-f", str(config)]) == 0
    site = tmp_path / "portal" / "site"
    page_dir = next(p for p in (site / "pets/api").glob("*/pet/index.html"))
    received = []

    def answer(route, request):
        received.append({"method": request.method, "url": request.url, "headers": request.headers,
                         "body": request.post_data_buffer or b""})
        if "/pet/findByStatus" in request.url:  # the host cannot be reached
            return route.abort("connectionrefused")
        route.fulfill(status=200, headers={"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Headers": "*",
                                           "Content-Type": "application/json"},
                      body=json.dumps({"id": 7, "name": "doggie", "status": "available"}))

    with serve_folder(site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        page = browser.new_page()
        requests = _watch(page)
        page.route("http://petstore.swagger.io/**", answer)
        page.goto(f"{base}/{page_dir.parent.relative_to(site).as_posix()}/", wait_until="load")
        get_pet = page.locator("[id='operation/getPetById'] details.dp-tryit")
        _open(get_pet)
        form = get_pet.locator("form")
        form.get_by_label("petId").fill("7")
        form.get_by_label("api_key").fill(TOKEN)
        form.get_by_role("button", name="Send request").click()
        get_pet.locator(".dp-tryit__status", has_text="Status 200").wait_for(timeout=10_000)
        assert '"name": "doggie"' in get_pet.locator(".dp-tryit__body-out").inner_text()
        # Adding a pet: the body editor holds the spec's example for each media type; a file for the image.
        add_pet = page.locator("[id='operation/addPet'] details.dp-tryit")
        _open(add_pet)
        assert add_pet.locator("textarea").first.input_value().strip().startswith("{")
        upload = page.locator("[id='operation/uploadFile'] details.dp-tryit")
        _open(upload)
        assert upload.locator("input[type=file]").count() == 1
        upload.get_by_label("petId").fill("7")
        upload.get_by_label("additionalMetadata").fill("front view")
        upload.locator("input[type=file]").set_input_files(
            {"name": "dog.png", "mimeType": "image/png", "buffer": b"\x89PNG-bytes-of-a-dog"})
        upload.get_by_label("petstore_auth").first.fill(TOKEN)
        upload.get_by_role("button", name="Send request").click()
        upload.locator(".dp-tryit__status", has_text="Status 200").wait_for(timeout=10_000)
        assert "-F 'file=@dog.png'" in upload.locator(".dp-tryit__curl").inner_text()
        # A host that cannot be reached: the reader is told why no answer shows, in plain words.
        by_status = page.locator("[id='operation/findPetsByStatus'] details.dp-tryit")
        _open(by_status)
        by_status.locator("select[data-param=status]").select_option("sold")
        by_status.get_by_role("button", name="Send request").click()
        failure = by_status.locator(".dp-tryit__status--failed")
        failure.wait_for(timeout=10_000)
        assert "unreachable from your network" in failure.inner_text() and "curl" in failure.inner_text()
        browser.close()
    upload_request = next(r for r in received if r["method"] == "POST" and r["url"].endswith("/v2/pet/7/uploadImage"))
    assert upload_request["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert upload_request["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert b"\x89PNG-bytes-of-a-dog" in upload_request["body"] and b"front view" in upload_request["body"]
    gets = [r for r in received if r["method"] == "GET"]
    assert gets and urlsplit(gets[0]["url"]).path == "/v2/pet/7" and gets[0]["headers"]["api_key"] == TOKEN
    assert all(urlsplit(r["url"]).hostname in ("127.0.0.1", "petstore.swagger.io") for r in requests)


@browser_test
def test_the_example_portal_shows_the_console_for_its_test_servers_on_a_phone_in_dark_mode(tmp_path):
    """The example enables "Try it" for the sandbox/test hosts: each API's console offers only those, and the
    console fits a 390 px screen in light and dark mode (the example's palette follows the system's)."""
    playwright = pytest.importorskip("playwright.sync_api")
    config = copy_example(tmp_path / "example")
    settings = yaml.safe_load(config.read_text())
    try_it = next(p["devportal"] for p in settings["plugins"] if isinstance(p, dict))["try_it"]
    assert try_it["enabled"] and try_it["allowed_hosts"]
    assert main(["build", "-f", str(config), "--strict"]) == 0
    site = config.parent / "site"
    for section in ("payments", "webhooks"):
        pages = [p for p in (site / section / "api").rglob("index.html") if "dp-tryit" in p.read_text()]
        assert pages, section
        text = pages[0].read_text()
        config_json = json.loads(re.search(r'id="dp-tryit-config">(.*?)</script>', text).group(1))
        assert [urlsplit(s["url"]).hostname for s in config_json["servers"]] == ["apitest.northwind-pay.example"]
    # The Login API's only server is its production host: no console, and the page says why.
    login = next((site / "login" / "api").glob("*/all/index.html")).read_text()
    assert "is not available for this API" in login
    assert "tryit.js" not in login
    with serve_folder(site) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        colours = {}
        for scheme in ("light", "dark"):
            page = browser.new_page(viewport={"width": 390, "height": 844}, color_scheme=scheme)
            requests = _watch(page)
            page.goto(f"{base}/payments/api/payments/payments/", wait_until="load")
            console = page.locator("[id='operation/createPayment'] details.dp-tryit")
            console.locator("summary").click()
            editor = console.locator("textarea")
            assert json.loads(editor.input_value())["reference"] == "order-1001"  # the spec's example
            box = editor.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            colours[scheme] = editor.evaluate("e => getComputedStyle(e).color + getComputedStyle(e).backgroundColor")
            # axe-core on the open console, with the blocked-server note and then a JSON error on show.
            console.get_by_role("button", name="https://apitest.northwind-pay.example/payments/v1").click()
            editor.fill('{"reference": }')
            console.get_by_role("button", name="Send request").click()
            assert "line 1, column 15" in console.locator("p.dp-tryit__error").inner_text()
            try:
                page.add_script_tag(path=str(axe_core()))
            except RuntimeError as exc:  # no npm, or the registry cannot be reached
                pytest.skip(f"axe-core from the npm registry: {exc}")
            violations = page.evaluate("""async () => (await axe.run("details.dp-tryit[open]",
                {resultTypes: ["violations"]})).violations.filter(v => ["serious", "critical"].includes(v.impact))
                .flatMap(v => v.nodes.map(n => [v.id, n.target.join(" ")]))""")
            assert violations == [], (scheme, violations)
            assert all(r["url"].startswith(base) for r in requests)  # no third-party host
            page.close()
        assert colours["light"] != colours["dark"], colours
        browser.close()


@browser_test
def test_each_example_api_sends_through_its_console_when_its_test_server_is_on_loopback(tmp_path):
    """The example portal's three APIs (OpenAPI 3.0 with bearer + API key, Swagger 2.0 with HTTP basic and
    OAuth2, OpenAPI 3.1 with bearer), their test servers pointed at the loopback test API by the config."""
    playwright = pytest.importorskip("playwright.sync_api")
    with payments_api() as api:
        host = f"127.0.0.1:{api.server_address[1]}"
        config = copy_example(tmp_path / "example")
        root = config.parent
        for spec in ("content/sources/payments/openapi/payments.yaml", "content/sources/webhooks/openapi/events.yaml"):
            path = root / spec
            path.write_text(path.read_text().replace("https://apitest.northwind-pay.example", f"http://{host}"))
        login = root / "content/sources/login/docs/swagger.json"
        swagger = json.loads(login.read_text())
        swagger.update(host=host, schemes=["http"])
        oauth2 = swagger["securityDefinitions"]["oauth2"]
        for key in ("authorizationUrl", "tokenUrl"):
            oauth2[key] = oauth2[key].replace("https://api.northwind-pay.example", f"http://{host}")
        login.write_text(json.dumps(swagger))
        config.write_text(config.read_text().replace("allowed_hosts: [apitest.northwind-pay.example]",
                                                     f"allowed_hosts: ['{host}']"))
        assert main(["build", "-f", str(config)]) == 0
        site = root / "site"
        with serve_folder(site) as base, playwright.sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            page = browser.new_page()

            def send(section: str, tag_page: str, operation: str, fill: dict[str, str], server: bool) -> dict:
                page_dir = next((site / section / "api").glob(f"*/{tag_page}/index.html")).parent
                page.goto(f"{base}/{page_dir.relative_to(site).as_posix()}/", wait_until="load")
                console = page.locator(f"[id='operation/{operation}'] details.dp-tryit")
                console.locator("summary").click()
                form = console.locator("form")
                if server:  # the spec's first server is production: pick the test server the console offers
                    form.get_by_role("button", name=re.compile(re.escape(host))).click()
                for label, value in fill.items():
                    form.get_by_label(label, exact=False).first.fill(value)
                count = len(api.received)
                form.get_by_role("button", name="Send request").click()
                console.locator(".dp-tryit__status", has_text="Status ").wait_for(timeout=10_000)
                return [r for r in api.received[count:] if r["method"] != "OPTIONS"][-1]

            got = send("payments", "payments", "getPayment", {"reference": "order-4711", "bearerAuth": TOKEN,
                                                               "subscriptionKey": "k"}, True)
            assert got["path"] == "/payments/v1/payments/order-4711"
            assert got["headers"]["authorization"] == f"Bearer {TOKEN}"
            got = send("webhooks", "webhooks", "listWebhooks", {"bearerAuth": TOKEN}, True)
            assert got["path"] == "/events/v1/webhooks" and got["headers"]["authorization"] == f"Bearer {TOKEN}"
            got = send("login", "openid-connect", "userinfo", {"oauth2": TOKEN}, False)
            assert got["path"] == "/login/userinfo" and got["headers"]["authorization"] == f"Bearer {TOKEN}"
            got = send("login", "openid-connect", "token", {"user name": "client-1", "password": "s3cret",
                                                           "grant_type": "authorization_code", "code": "c0de"}, False)
            assert got["headers"]["authorization"] == "Basic Y2xpZW50LTE6czNjcmV0"  # client-1:s3cret
            assert got["headers"]["content-type"] == "application/x-www-form-urlencoded"
            assert dict(parse_qsl(got["body"]))["code"] == "c0de"

            # Signing in with the authorization code and PKCE (the spec gives the URLs, on the allowed host).
            userinfo = page.locator("[id='operation/userinfo'] details.dp-tryit")
            userinfo.locator("summary").click()
            userinfo.get_by_label("client ID").fill("portal-client")
            userinfo.get_by_role("button", name="Sign in").click()
            page.locator("[id='operation/userinfo'] .dp-tryit__status", has_text="Signed in").wait_for(timeout=10_000)
            assert "code=" not in page.url and "state=" not in page.url
            assert userinfo.get_by_label("oauth2").first.input_value() == PKCE_TOKEN
            userinfo.get_by_role("button", name="Send request").click()
            userinfo.locator(".dp-tryit__status", has_text="Status ").wait_for(timeout=10_000)
            assert api.received[-1]["headers"]["authorization"] == f"Bearer {PKCE_TOKEN}"
            authorize = next(r for r in api.received if r["path"] == "/login/authorize")
            assert dict(authorize["query"])["code_challenge_method"] == "S256"
            assert PKCE_TOKEN not in page.evaluate("JSON.stringify(Object.entries(localStorage))")
            browser.close()


def test_try_it_settings_are_checked_like_every_other_setting():
    _, problems = validate_portal_config({"try_it": {"enabled": True, "allowed_host": ["a.example"]},
                                          "sources": [{"name": "a", "repo": "x", "try_it": "yes"}]}, "mkdocs.yml")
    messages = [(p.code, p.message, p.hint or "") for p in problems]
    assert any(code == "config-unknown-key" and "try_it.allowed_host" in message and "allowed_hosts" in hint
               for code, message, hint in messages), messages
    assert any(code == "config-invalid" and "sources[0].try_it" in message for code, message, _ in messages), messages


def test_only_allowed_hosts_are_callable():
    try_it = TryIt(("api.example.com", "127.0.0.1:8080"))
    assert try_it.allows("https://api.example.com/v1") and try_it.allows("http://API.example.com:9000/")
    assert try_it.allows("http://127.0.0.1:8080/x") and not try_it.allows("http://127.0.0.1:8081/x")
    for url in ("https://api.example.com.evil.test/", "https://evil.test/?api.example.com", "ftp://api.example.com/",
                "javascript:alert(1)//api.example.com", "/relative", "https://evil.test\\@api.example.com/"):
        assert not try_it.allows(url), url


def test_hostile_spec_text_reaches_the_console_as_text_only(tmp_path):
    """Names, enums and examples from an untrusted spec cannot open an element or end the data script."""
    spec = tmp_path / "spec.json"
    evil = "</script><img src=x onerror=alert(1)>"
    spec.write_text(json.dumps({
        "openapi": "3.0.3", "info": {"title": "Evil", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "components": {"securitySchemes": {evil: {"type": "apiKey", "in": "header", "name": evil}}},
        "paths": {"/x": {"post": {"operationId": "x", "security": [{evil: []}],
                                  "parameters": [{"name": evil, "in": "query", "required": True,
                                                  "schema": {"type": "string", "enum": [evil], "example": evil}}],
                                  "requestBody": {"content": {"application/json": {
                                      "schema": {"type": "object", "properties": {"a": {"pattern": evil}}},
                                      "example": {"a": evil}}}},
                                  "responses": {"200": {"description": "ok"}}}}}}))
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="evil/api/spec",
                         try_it=TryIt(("api.example.com",)))
    page = next((tmp_path / "docs/evil/api/spec").glob("default*.md"), None) or next(
        p for p in (tmp_path / "docs/evil/api/spec").glob("*.md") if "dp-tryit" in p.read_text())
    html = page.read_text()
    assert "dp-tryit" in html and "<img" not in html
    assert html.count("</script>") == html.count("<script")  # no script element ended early


def test_an_operation_with_its_own_servers_is_sent_there_or_gets_no_console(tmp_path):
    spec = tmp_path / "spec.json"
    operation = {"responses": {"200": {"description": "ok"}}}
    spec.write_text(json.dumps({
        "openapi": "3.0.3", "info": {"title": "Own servers", "version": "1"},
        "servers": [{"url": "https://api.example.com/v1"}],
        "paths": {"/upload": {"post": {**operation, "operationId": "upload", "tags": ["t"],
                                       "servers": [{"url": "https://other.example.net"},
                                                   {"url": "https://files.example.com/v1"}]}},
                  "/elsewhere": {"get": {**operation, "operationId": "elsewhere", "tags": ["t"],
                                         "servers": [{"url": "https://other.example.net"}]}},
                  "/plain": {"get": {**operation, "operationId": "plain", "tags": ["t"]}}}}))
    render_api_reference(spec, source_root=tmp_path, docs_dir=tmp_path / "docs", url_prefix="own/api/spec",
                         try_it=TryIt(("api.example.com", "files.example.com")))
    html = (tmp_path / "docs/own/api/spec/t.md").read_text()
    sections = {m.group(1): m.group(2) for m in re.finditer(r'<section[^>]* id="operation/(\w+)"(.*?)</section>', html,
                                                              re.S)}
    assert 'data-server="https://files.example.com/v1"' in sections["upload"]
    assert "dp-tryit" not in sections["elsewhere"]
    assert "dp-tryit" in sections["plain"] and "data-server" not in sections["plain"]
