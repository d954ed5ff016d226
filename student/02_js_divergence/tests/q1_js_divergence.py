from otter.test_files import test_case

OK_FORMAT = False

name = "q1_js_divergence"
points = 2

@test_case(points=None, hidden=False)
def test_my_js_divergence(my_js_divergence):
    from gancourse import checks
    checks.js_divergence(my_js_divergence)

