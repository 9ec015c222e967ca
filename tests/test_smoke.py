def test_home(client, town):
    r = client.get("/")
    assert r.status_code == 200, r.text
    assert "Testville" in r.text
