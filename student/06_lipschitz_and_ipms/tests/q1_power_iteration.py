from otter.test_files import test_case

OK_FORMAT = False

name = "q1_power_iteration"
points = 2

@test_case(points=None, hidden=False)
def test_my_power_iteration(my_power_iteration):
    from gancourse import checks
    checks.power_iteration(my_power_iteration)

