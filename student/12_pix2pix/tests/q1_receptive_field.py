from otter.test_files import test_case

OK_FORMAT = False

name = "q1_receptive_field"
points = 2

@test_case(points=None, hidden=False)
def test_my_receptive_field(my_receptive_field):
    from gancourse import checks
    checks.patch_receptive_field(my_receptive_field)

