from otter.test_files import test_case

OK_FORMAT = False

name = "q2_projection_logit"
points = 2

@test_case(points=None, hidden=False)
def test_my_projection_logit(my_projection_logit):
    from gancourse import checks
    checks.projection_logit(my_projection_logit)

