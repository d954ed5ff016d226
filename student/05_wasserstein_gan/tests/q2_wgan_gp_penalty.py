from otter.test_files import test_case

OK_FORMAT = False

name = "q2_wgan_gp_penalty"
points = 3

@test_case(points=None, hidden=False)
def test_my_wgan_gp_penalty(my_wgan_gp_penalty):
    from gancourse import checks
    checks.wgan_gp_penalty(my_wgan_gp_penalty)

