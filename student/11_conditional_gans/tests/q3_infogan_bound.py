from otter.test_files import test_case

OK_FORMAT = False

name = "q3_infogan_bound"
points = 2

@test_case(points=None, hidden=False)
def test_my_infogan_categorical_bound(my_infogan_categorical_bound):
    from gancourse import checks
    checks.infogan_categorical_bound(my_infogan_categorical_bound)

