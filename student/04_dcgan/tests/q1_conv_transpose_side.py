from otter.test_files import test_case

OK_FORMAT = False

name = "q1_conv_transpose_side"
points = 2

@test_case(points=None, hidden=False)
def test_my_conv_transpose_side(my_conv_transpose_side):
    from gancourse import checks
    checks.conv_transpose_side(my_conv_transpose_side)

