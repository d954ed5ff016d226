from otter.test_files import test_case

OK_FORMAT = False

name = "q2_kl_divergence"
points = 2

@test_case(points=None, hidden=False)
def test_my_kl_divergence(my_kl_divergence):
    from gancourse import checks
    checks.kl_divergence(my_kl_divergence)

