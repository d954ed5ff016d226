from otter.test_files import test_case

OK_FORMAT = False

name = "q2_pix2pix_generator_loss"
points = 2

@test_case(points=None, hidden=False)
def test_my_pix2pix_generator_loss(my_pix2pix_generator_loss):
    from gancourse import checks
    checks.pix2pix_generator_loss(my_pix2pix_generator_loss)

