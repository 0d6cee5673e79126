// Debian's kotlinx-coroutines (1.0.1) predates this annotation, which uniffi's generated
// Kotlin opts in to; declaring it lets the generated code compile against that jar. Apps use
// a current kotlinx-coroutines from Maven and do not need this file.
package kotlinx.coroutines

@RequiresOptIn(level = RequiresOptIn.Level.WARNING)
@Retention(AnnotationRetention.BINARY)
public annotation class DelicateCoroutinesApi
