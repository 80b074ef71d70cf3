// Fails the build unless the docs' properties ran, in a modular project: a properties class that
// Surefire skips by its name would otherwise pass with zero tests.
def report = new File(basedir, 'target/surefire-reports/TEST-io.converge.crdt.docs.MaxRegisterProperties.xml')
assert report.isFile() : "MaxRegisterProperties did not run: no ${report}"
def suite = new groovy.xml.XmlSlurper().parse(report)
assert suite.@tests.toInteger() == 2 : "expected the 2 properties of MaxRegisterProperties, ran ${suite.@tests}"
assert suite.@failures.toInteger() == 0 && suite.@errors.toInteger() == 0 && suite.@skipped.toInteger() == 0
// and the main code was compiled as the module the user declared
assert new File(basedir, 'target/classes/module-info.class').isFile() : 'module-info.java was not compiled'
return true
